// Resonance web viewer: live heatmap from binary field frames, nodes, entanglement lines, global measures, and
// participation (join, drag your node, amplitude / frequency / phase). `?view=3d` shows the same stream as a lit height
// surface (viewer3d.js), with "Enter VR" where WebXR immersive-vr is supported. Wire protocol: docs/protocol.md.

import { createView3d } from './viewer3d.js';

// ---------------------------------------------------------------------------------------------------------------------
// Settings

const FRAME_RATE_HZ = 10;
const STREAM_INTERVAL_MS = 200;
const HEARTBEAT_INTERVAL_MS = 10_000;
const NODE_POLL_MS = 1000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15_000;
const MAX_FRAME_SIDE = 256;
const CANVAS_LONG_SIDE = 640;

const SPACE_PATTERN = /^[a-z0-9-]{1,64}$/;
const query = new URLSearchParams(location.search);
const requestedSpace = query.get('space');
const space = requestedSpace && SPACE_PATTERN.test(requestedSpace) ? requestedSpace : 'global';
const viewMode = query.get('view') === '3d' ? '3d' : '2d';

// ---------------------------------------------------------------------------------------------------------------------
// State

const state = {
  space,
  status: 'connecting',       // connecting | open | reconnecting
  attempt: 0,                 // reconnect attempts since the last established connection
  nextRetryMs: null,
  connections: 0,             // connection_established messages received
  userId: null,               // the public id from connection_established; the same on reconnects (same token subject)
  config: null,
  seq: null,                  // last resonance_update seq
  updatesReceived: 0,
  framesReceived: 0,
  frame: null,                // { seq, width, height, x0, y0, x1, y1, min, max }
  scale: null,                // the colour scale: { saturation, min, max } (see colourScale)
  measures: {
    globalResonance: null, activeNodes: null, memoryNodes: null,
    quantumCoherence: null, meanPhase: null, phiCascades: null,
  },
  pairs: [],
  nodes: [],
  nodesPolledAt: null,
  joined: false,
  position: null,             // own node position in field units
  amplitude: 0.8,
  frequency: 432,
  phaseDeg: 0,
  lastError: null,
};

// ---------------------------------------------------------------------------------------------------------------------
// Elements

const $ = (id) => document.getElementById(id);
const heatCanvas = $('heatmap');
const overlay = $('overlay');
const heatCtx = heatCanvas.getContext('2d', { willReadFrequently: true });
const overlayCtx = overlay.getContext('2d');
const joinButton = $('join');
const view3dCanvas = $('view3d');
const vrButton = $('enter-vr');
const sliders = { amplitude: $('amplitude'), frequency: $('frequency'), phase: $('phase') };

$('space-name').textContent = space;
{
  const other = new URLSearchParams(query);
  if (viewMode === '3d') other.delete('view'); else other.set('view', '3d');
  const link = $('view-switch');
  link.href = `?${other}`;
  link.textContent = viewMode === '3d' ? '2-D view' : '3-D view';
}
if (requestedSpace && requestedSpace !== space) setError(`invalid space "${requestedSpace}", showing "global"`);

// ---------------------------------------------------------------------------------------------------------------------
// Colour scale: a perceptually ordered dark-to-bright ramp (monotonic lightness, so colours map back to values).

const STOPS = [
  [0.00, [0, 0, 4]], [0.13, [31, 12, 72]], [0.25, [85, 15, 109]], [0.38, [136, 34, 106]],
  [0.50, [186, 54, 85]], [0.63, [227, 89, 51]], [0.75, [249, 140, 10]], [0.88, [249, 201, 50]],
  [1.00, [252, 255, 164]],
];
const LUT = buildLut();
const LUT32 = new Uint32Array(256);
{
  const bytes = new Uint8Array(LUT32.buffer);
  for (let i = 0; i < 256; i++) bytes.set([...LUT[i], 255], i * 4);
}

function buildLut() {
  const lut = [];
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 1;
    while (k < STOPS.length - 1 && STOPS[k][0] < t) k++;
    const [t0, c0] = STOPS[k - 1], [t1, c1] = STOPS[k];
    const f = (t - t0) / (t1 - t0);
    lut.push(c0.map((c, n) => Math.round(c + (c1[n] - c) * f)));
  }
  return lut;
}

/** Position of a colour on the scale, 0 (min) .. 1 (max): the nearest entry of the ramp. */
function scaleValueOf(rgb) {
  let best = 0, bestDistance = Infinity;
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = LUT[i];
    const d = (r - rgb[0]) ** 2 + (g - rgb[1]) ** 2 + (b - rgb[2]) ** 2;
    if (d < bestDistance) { bestDistance = d; best = i; }
  }
  return best / 255;
}

/**
 * The colour scale a frame is drawn on, following the space's saturation: with `clamp` (or none) the frame's own
 * min..max (a clamped crowd leaves little range, and the per-frame stretch shows what is left); with `soft` the fixed
 * 0..1 that 1 - e^(-x) always stays within, so colours mean the same value in every frame and the crowd shows as
 * graded brightness rather than one flat colour.
 */
function colourScale(header) {
  const saturation = state.config?.clamp === false ? 'none' : (state.config?.saturation ?? 'clamp');
  return saturation === 'soft'
    ? { saturation, min: 0, max: 1 }
    : { saturation, min: header.min, max: header.max };
}

/** Frame level (0..255 on the frame's min..max) -> position 0..1 on the colour scale. */
function levelToScale(header, scale) {
  const range = scale.max - scale.min, frameRange = header.max - header.min;
  if (!(range > 0)) return () => 0;
  return (level) => Math.min(1, Math.max(0, (header.min + level / 255 * frameRange - scale.min) / range));
}

// Per frame: the palette indexed by frame level (the identity ramp when the scale is the frame's own range).
const PALETTE32 = new Uint32Array(256);

function preparePalette(header, scale) {
  const toScale = levelToScale(header, scale);
  for (let i = 0; i < 256; i++) PALETTE32[i] = LUT32[Math.round(toScale(i) * 255)];
  return toScale;
}

/** [r, g, b] (0..255) of colour-scale position t in [0, 1]. */
function colourAt(t) {
  return LUT[Math.min(255, Math.max(0, Math.round(t * 255)))];
}

function drawLegend() {
  const legend = $('legend');
  const ctx = legend.getContext('2d');
  const image = ctx.createImageData(256, legend.height);
  const out = new Uint32Array(image.data.buffer);
  for (let y = 0; y < legend.height; y++) for (let x = 0; x < 256; x++) out[y * 256 + x] = LUT32[x];
  ctx.putImageData(image, 0, 0);
}

// ---------------------------------------------------------------------------------------------------------------------
// The 3-D view (?view=3d): the 2-D canvases give way to one WebGL canvas fed from the same frames and node lists.

const view3d = viewMode === '3d' ? setUp3d() : null;

function setUp3d() {
  heatCanvas.hidden = true;
  overlay.hidden = true;
  view3dCanvas.hidden = false;
  let created = null;
  try {
    created = createView3d(view3dCanvas, colourAt);
  } catch (e) {
    setError(`3-D view: ${e.message}`);
  }
  if (!created) {
    $('canvas-note').textContent = 'this browser has no WebGL: the 3-D view cannot be shown';
    return null;
  }
  view3dCanvas.addEventListener('keydown', (event) => onMoveKey(event));
  created.vrSupported().then((supported) => { vrButton.hidden = !supported; });
  vrButton.addEventListener('click', async () => {
    try {
      if (created.inVr) await created.exitVr();
      else {
        await created.enterVr(() => { vrButton.textContent = 'Enter VR'; });
        vrButton.textContent = 'Exit VR';
      }
    } catch (e) {
      setError(`VR: ${e.message}`);
    }
  });
  return created;
}

// ---------------------------------------------------------------------------------------------------------------------
// Field frames (binary RFLD, docs/protocol.md "Field frames")

const HEADER_BYTES = 64;

/** Decodes a binary field frame; samples come back as levels 0..255 on the frame's own min..max scale. */
function decodeFrame(buffer) {
  if (buffer.byteLength < HEADER_BYTES) throw new Error('field frame shorter than its header');
  const view = new DataView(buffer);
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic !== 'RFLD') throw new Error(`bad field frame magic "${magic}"`);
  const version = view.getUint16(4, true);
  if (version !== 1) throw new Error(`unsupported field frame version ${version}`);
  const format = view.getUint8(6);
  const header = {
    seq: view.getUint32(8, true),
    width: view.getUint16(12, true),
    height: view.getUint16(14, true),
    x0: view.getFloat64(16, true),
    y0: view.getFloat64(24, true),
    x1: view.getFloat64(32, true),
    y1: view.getFloat64(40, true),
    min: view.getFloat64(48, true),
    max: view.getFloat64(56, true),
  };
  const count = header.width * header.height;
  let levels;
  if (format === 2) {
    if (buffer.byteLength < HEADER_BYTES + count) throw new Error('u8 field frame truncated');
    levels = new Uint8Array(buffer, HEADER_BYTES, count);
  } else if (format === 1) {
    if (buffer.byteLength < HEADER_BYTES + 4 * count) throw new Error('f32 field frame truncated');
    const samples = new Float32Array(buffer.slice(HEADER_BYTES, HEADER_BYTES + 4 * count));
    const range = header.max - header.min, scale = range > 0 ? 255 / range : 0;
    levels = new Float32Array(count);
    for (let k = 0; k < count; k++) levels[k] = Math.min(255, Math.max(0, (samples[k] - header.min) * scale));
  } else {
    throw new Error(`unknown field frame format ${format}`);
  }
  return { header, levels };
}

/** Axis lookup: for each canvas pixel centre, the two frame samples around it and the weight of the second. */
function axis(pixels, extent, origin, end, samples) {
  const index0 = new Int32Array(pixels), index1 = new Int32Array(pixels), weight = new Float32Array(pixels);
  const step = (end - origin) / samples;
  for (let p = 0; p < pixels; p++) {
    const u = ((p + 0.5) / pixels * extent - origin) / step;   // samples sit at origin + i * step
    const i0 = Math.min(samples - 1, Math.max(0, Math.floor(u)));
    const i1 = Math.min(i0 + 1, samples - 1);
    index0[p] = i0; index1[p] = i1;
    weight[p] = i1 === i0 ? 0 : Math.min(1, Math.max(0, u - i0));
  }
  return { index0, index1, weight };
}

let heatImage = null;

function renderHeat({ header, levels }) {
  const config = state.config;
  if (!config) return;
  const cw = heatCanvas.width, ch = heatCanvas.height;
  if (!heatImage || heatImage.width !== cw || heatImage.height !== ch) heatImage = heatCtx.createImageData(cw, ch);
  const out = new Uint32Array(heatImage.data.buffer);
  const w = header.width;
  const cols = axis(cw, config.width, header.x0, header.x1, header.width);
  const rows = axis(ch, config.height, header.y0, header.y1, header.height);
  let k = 0;
  for (let py = 0; py < ch; py++) {
    const r0 = rows.index0[py] * w, r1 = rows.index1[py] * w, fy = rows.weight[py];
    for (let px = 0; px < cw; px++) {
      const i0 = cols.index0[px], i1 = cols.index1[px], fx = cols.weight[px];
      const a = levels[r0 + i0] + (levels[r0 + i1] - levels[r0 + i0]) * fx;
      const b = levels[r1 + i0] + (levels[r1 + i1] - levels[r1 + i0]) * fx;
      out[k++] = PALETTE32[(a + (b - a) * fy + 0.5) | 0];
    }
  }
  heatCtx.putImageData(heatImage, 0, 0);
  $('canvas-note').hidden = true;
}

function updateLegend(scale) {
  $('legend-min').textContent = formatValue(scale.min);
  $('legend-max').textContent = formatValue(scale.max);
  $('legend-caption').textContent = scale.saturation === 'soft'
    ? 'field value, soft saturation 1 − e^(−x) (fixed 0 → 1)'
    : scale.saturation === 'clamp'
      ? 'field value, clamped to [0, 1] (per frame, min → max)'
      : 'field value (per frame, min → max)';
}

let positions3d = new Float32Array(0);   // colour-scale positions of the latest frame, for the 3-D view (reused)

function onFrame(buffer) {
  let frame;
  try {
    frame = decodeFrame(buffer);
  } catch (e) {
    setError(e.message);
    return;
  }
  state.framesReceived++;
  state.frame = { ...frame.header };
  if (!state.config) return;
  const scale = colourScale(frame.header);
  state.scale = scale;
  const toScale = preparePalette(frame.header, scale);
  if (view3d) {
    const { levels } = frame;
    if (positions3d.length < levels.length) positions3d = new Float32Array(levels.length);
    for (let k = 0; k < levels.length; k++) positions3d[k] = toScale(levels[k]);
    view3d.setField(frame.header, positions3d.subarray(0, levels.length), state.config);
    $('canvas-note').hidden = true;
  } else {
    renderHeat(frame);
  }
  updateLegend(scale);
  $('m-frames').textContent = String(state.framesReceived);
}

// ---------------------------------------------------------------------------------------------------------------------
// Overlay: entanglement lines, nodes, own node

let overlayQueued = false;

function requestOverlay() {
  if (view3d) { updateMarkers3d(); return; }
  if (overlayQueued) return;
  overlayQueued = true;
  requestAnimationFrame(() => { overlayQueued = false; drawOverlay(); });
}

function toCanvas(x, y) {
  return [x / state.config.width * overlay.width, y / state.config.height * overlay.height];
}

function sameId(a, b) {
  return a && b && a.toLowerCase() === b.toLowerCase();
}

function drawOverlay() {
  const ctx = overlayCtx;
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  if (!state.config) return;
  const unit = overlay.width / CANVAS_LONG_SIDE;

  const positions = new Map();
  for (const n of state.nodes) positions.set(n.id.toLowerCase(), n);
  if (state.joined && state.userId && state.position)
    positions.set(state.userId.toLowerCase(), { ...state.position, kind: 'participant', id: state.userId });

  // Entanglement lines first, under the nodes.
  ctx.save();
  ctx.lineWidth = 2 * unit;
  ctx.setLineDash([7 * unit, 5 * unit]);
  ctx.font = `${11 * unit}px system-ui, sans-serif`;
  for (const pair of state.pairs) {
    const a = positions.get(String(pair.node1).toLowerCase()), b = positions.get(String(pair.node2).toLowerCase());
    if (!a || !b) continue;
    const [ax, ay] = toCanvas(a.x, a.y), [bx, by] = toCanvas(b.x, b.y);
    const strength = Math.min(1, Math.max(0, Number(pair.strength) || 0));
    ctx.strokeStyle = `rgba(255,255,255,${0.35 + 0.6 * strength})`;
    ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
    if (pair.ratio) {
      ctx.fillStyle = 'rgba(255,255,255,0.85)';
      ctx.fillText(String(pair.ratio), (ax + bx) / 2 + 4 * unit, (ay + by) / 2 - 4 * unit);
    }
  }
  ctx.restore();

  ctx.save();
  for (const n of state.nodes) {
    if (state.joined && sameId(n.id, state.userId)) continue; // drawn from the live position below
    const [x, y] = toCanvas(n.x, n.y);
    if (n.kind === 'memory') {
      const s = 6.5 * unit;
      ctx.fillStyle = '#c084fc';
      ctx.strokeStyle = 'rgba(0,0,0,0.7)';
      ctx.lineWidth = 1.5 * unit;
      ctx.beginPath(); ctx.moveTo(x, y - s); ctx.lineTo(x + s, y); ctx.lineTo(x, y + s); ctx.lineTo(x - s, y); ctx.closePath();
      ctx.fill(); ctx.stroke();
    } else {
      ctx.fillStyle = sameId(n.id, state.userId) ? '#ffffff' : '#4fd1c5';
      ctx.strokeStyle = 'rgba(0,0,0,0.75)';
      ctx.lineWidth = 2.5 * unit;
      ctx.beginPath(); ctx.arc(x, y, 7 * unit, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
  }
  if (state.joined && state.position) {
    const [x, y] = toCanvas(state.position.x, state.position.y);
    ctx.lineWidth = 3 * unit;
    ctx.strokeStyle = '#4fd1c5';
    ctx.beginPath(); ctx.arc(x, y, 12 * unit, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = '#ffffff';
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.lineWidth = 2 * unit;
    ctx.beginPath(); ctx.arc(x, y, 7 * unit, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.font = `600 ${12 * unit}px system-ui, sans-serif`;
    ctx.lineWidth = 3 * unit;
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.strokeText('you', x + 15 * unit, y - 10 * unit);
    ctx.fillText('you', x + 15 * unit, y - 10 * unit);
  }
  ctx.restore();
}

/** The 3-D view's markers: the listed nodes (the own one at its live position) and the entangled pairs between them. */
function updateMarkers3d() {
  if (!state.config) return;
  const positions = new Map();
  const nodes = [];
  for (const n of state.nodes) {
    positions.set(n.id.toLowerCase(), n);
    if (state.joined && sameId(n.id, state.userId)) continue;
    nodes.push({ x: n.x, y: n.y, kind: n.kind === 'memory' ? 'memory' : sameId(n.id, state.userId) ? 'self' : 'participant' });
  }
  if (state.joined && state.userId && state.position) {
    positions.set(state.userId.toLowerCase(), state.position);
    nodes.push({ ...state.position, kind: 'self' });
  }
  const pairs = [];
  for (const pair of state.pairs) {
    const a = positions.get(String(pair.node1).toLowerCase()), b = positions.get(String(pair.node2).toLowerCase());
    if (a && b) pairs.push({ a, b, strength: pair.strength });
  }
  view3d.setMarkers(nodes, pairs);
}

// ---------------------------------------------------------------------------------------------------------------------
// Connection

let socket = null;
let reconnectTimer = null;
let heartbeatTimer = null;
let streamTimer = null;
let restartAfterClose = false;

// The viewer's identity (POST /api/identities): its access token goes in the WebSocket query, so a reconnect is the same
// participant; it is renewed with the refresh token before it expires, and handed to the open session in-band.
const auth = { accessToken: null, refreshToken: null, expiresAt: 0 };
const TOKEN_MARGIN_MS = 60_000;

async function obtainToken() {
  if (auth.accessToken && Date.now() < auth.expiresAt - TOKEN_MARGIN_MS) return true;
  try {
    let response = null;
    if (auth.refreshToken) {
      response = await fetch(new URL('api/identities/refresh', location.href), {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: auth.refreshToken }),
      });
    }
    if (!response || !response.ok) {
      // No identity yet, or its family ended: a new identity (a new participant).
      response = await fetch(new URL('api/identities', location.href), { method: 'POST' });
      state.userId = null;
    }
    if (!response.ok) return false;
    const identity = await response.json();
    auth.accessToken = identity.accessToken;
    auth.refreshToken = identity.refreshToken;
    auth.expiresAt = Date.now() + identity.expiresIn * 1000;
    return true;
  } catch {
    return false;
  }
}

function socketUrl() {
  const url = new URL('api/harmonic-ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.searchParams.set('space', space);
  if (auth.accessToken) url.searchParams.set('access_token', auth.accessToken);
  return url.toString();
}

// Renews the token of the open session in-band before it expires (otherwise the server closes it with 4401).
setInterval(async () => {
  if (!auth.accessToken || Date.now() < auth.expiresAt - TOKEN_MARGIN_MS) return;
  if (await obtainToken()) send({ type: 'refresh', accessToken: auth.accessToken });
}, 15_000);

async function connect() {
  reconnectTimer = null;
  state.nextRetryMs = null;
  setStatus(state.attempt === 0 ? 'connecting' : 'reconnecting');
  // Without an identity (e.g. rate-limited) the viewer still connects, anonymously, when the server allows it.
  if (!(await obtainToken())) { auth.accessToken = null; state.userId = null; }
  const ws = new WebSocket(socketUrl());
  ws.binaryType = 'arraybuffer';
  socket = ws;
  ws.onmessage = (event) => {
    if (socket !== ws) return;
    if (event.data instanceof ArrayBuffer) onFrame(event.data);
    else onText(event.data);
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    stopTimers();
    updateControls();
    if (restartAfterClose) {
      restartAfterClose = false;
      connect();
    } else {
      if (event.code === 1008) setError(`closed by the server: ${event.reason || 'policy violation'}`);
      if (event.code === 4401) auth.expiresAt = 0; // token expired: renew before reconnecting
      scheduleReconnect();
    }
  };
}

function scheduleReconnect() {
  state.attempt++;
  // Exponential backoff, capped, with jitter over its upper half so that many viewers do not retry in step.
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (state.attempt - 1));
  const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
  state.nextRetryMs = delay;
  setStatus('reconnecting');
  reconnectTimer = setTimeout(connect, delay);
}

function send(message) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(message));
  return true;
}

function stopTimers() {
  clearInterval(heartbeatTimer); heartbeatTimer = null;
  clearInterval(streamTimer); streamTimer = null;
}

function onText(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    setError('unparseable message from the server');
    return;
  }
  switch (message.type) {
    case 'connection_established': onEstablished(message); break;
    case 'resonance_update': onUpdate(message); break;
    case 'error': setError(`${message.code}: ${message.message}`); break;
    case 'quantum_entanglement':
    case 'field_subscribed':
    case 'heartbeat_ack':
    case 'consciousness_event':
    case 'memory_crystallized':
    case 'memory_dissolved':
    case 'token_refreshed':
    case 'ack':
    case 'field_frame':
      break;
    default:
      break; // unknown server messages are ignored, as the protocol asks of both sides
  }
}

function onEstablished(message) {
  state.userId ??= message.userId;
  if (!sameId(state.userId, message.userId)) setError(`the server assigned a different id (${message.userId})`);
  state.connections++;
  state.attempt = 0;
  const firstConfig = !state.config;
  state.config = message.config;
  if (firstConfig) sizeCanvases();
  applyMeasures(message);
  setStatus('open');
  $('me-id').textContent = state.userId;

  const cols = Math.max(1, Math.round(state.config.width / state.config.spacing));
  const rows = Math.max(1, Math.round(state.config.height / state.config.spacing));
  const factor = Math.max(1, Math.min(4, Math.floor(MAX_FRAME_SIDE / Math.max(cols, rows))));
  send({
    type: 'subscribe_field',
    x0: 0, y0: 0, x1: state.config.width, y1: state.config.height,
    width: Math.min(512, cols * factor), height: Math.min(512, rows * factor),
    rate: FRAME_RATE_HZ, format: 'u8',
  });
  heartbeatTimer = setInterval(() => send({ type: 'heartbeat', timestamp: Date.now() }), HEARTBEAT_INTERVAL_MS);
  if (state.joined) startStreaming();
  updateControls();
  requestOverlay();
}

function onUpdate(message) {
  state.updatesReceived++;
  if (typeof message.seq === 'number') state.seq = message.seq;
  applyMeasures(message);
  state.pairs = Array.isArray(message.phiHarmonics) ? message.phiHarmonics : [];
  $('m-seq').textContent = state.seq ?? '–';
  requestOverlay();
}

function applyMeasures(message) {
  for (const key of Object.keys(state.measures))
    if (typeof message[key] === 'number') state.measures[key] = message[key];
  const m = state.measures;
  $('m-globalResonance').textContent = fixed(m.globalResonance, 3);
  $('m-activeNodes').textContent = m.activeNodes ?? '–';
  $('m-memoryNodes').textContent = m.memoryNodes ?? '–';
  $('m-quantumCoherence').textContent = fixed(m.quantumCoherence, 3);
  $('m-meanPhase').textContent = m.meanPhase == null ? '–' : `${m.meanPhase.toFixed(2)} rad`;
  $('m-phiCascades').textContent = m.phiCascades ?? '–';
}

// ---------------------------------------------------------------------------------------------------------------------
// Nodes (REST poll)

let pollInFlight = false;

async function pollNodes() {
  if (pollInFlight) return;
  pollInFlight = true;
  try {
    const response = await fetch(`api/spaces/${encodeURIComponent(space)}/nodes`, {
      cache: 'no-store', signal: AbortSignal.timeout(NODE_POLL_MS * 3),
    });
    if (!response.ok) throw new Error(`nodes: HTTP ${response.status}`);
    const body = await response.json();
    state.nodes = Array.isArray(body.nodes) ? body.nodes.filter((n) => Number.isFinite(n.x) && Number.isFinite(n.y)) : [];
    state.nodesPolledAt = Date.now();
    $('n-count').textContent = String(state.nodes.length);
    requestOverlay();
  } catch (e) {
    // The field socket has its own status; a failed poll keeps the last list.
    if (state.status === 'open') setError(e.message);
  } finally {
    pollInFlight = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Participation

function streamMessage() {
  return {
    type: 'harmonic_stream',
    x: state.position.x,
    y: state.position.y,
    amplitude: state.amplitude,
    frequency: state.frequency,
    phase: state.phaseDeg * Math.PI / 180,
    timestamp: Date.now(),
  };
}

function startStreaming() {
  clearInterval(streamTimer);
  send(streamMessage());
  streamTimer = setInterval(() => send(streamMessage()), STREAM_INTERVAL_MS);
}

function join() {
  if (!state.config || state.status !== 'open') return;
  state.position ??= { x: state.config.width / 2, y: state.config.height / 2 };
  state.joined = true;
  startStreaming();
  updateControls();
  requestOverlay();
}

function leave() {
  state.joined = false;
  clearInterval(streamTimer);
  streamTimer = null;
  // The server removes a participant when its session ends: close gracefully and reconnect at once as a viewer.
  if (send({ type: 'disconnect' })) restartAfterClose = true;
  updateControls();
  requestOverlay();
}

function moveTo(x, y) {
  if (!state.config) return;
  const clamp = (v, max) => Math.min(max * (1 - 1e-9), Math.max(0, v));
  state.position = { x: clamp(x, state.config.width), y: clamp(y, state.config.height) };
  $('me-pos').textContent = `${state.position.x.toFixed(1)}, ${state.position.y.toFixed(1)}`;
  requestOverlay();
}

function pointerToField(event) {
  const rect = overlay.getBoundingClientRect();
  return [
    (event.clientX - rect.left) / rect.width * state.config.width,
    (event.clientY - rect.top) / rect.height * state.config.height,
  ];
}

let dragging = false;

overlay.addEventListener('pointerdown', (event) => {
  if (!state.joined || event.button !== 0) return;
  dragging = true;
  overlay.setPointerCapture(event.pointerId);
  overlay.classList.add('dragging');
  moveTo(...pointerToField(event));
});
overlay.addEventListener('pointermove', (event) => {
  if (dragging) moveTo(...pointerToField(event));
});
const endDrag = () => {
  if (!dragging) return;
  dragging = false;
  overlay.classList.remove('dragging');
  if (state.joined) send(streamMessage());
};
overlay.addEventListener('pointerup', endDrag);
overlay.addEventListener('pointercancel', endDrag);
function onMoveKey(event) {
  if (!state.joined || !state.position) return;
  const step = (event.shiftKey ? 2 : 0.5) * state.config.spacing;
  const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
  if (!delta) return;
  event.preventDefault();
  moveTo(state.position.x + delta[0], state.position.y + delta[1]);
}
overlay.addEventListener('keydown', onMoveKey);

joinButton.addEventListener('click', () => (state.joined ? leave() : join()));

function readSliders() {
  state.amplitude = Number(sliders.amplitude.value);
  state.frequency = Number(sliders.frequency.value);
  state.phaseDeg = Number(sliders.phase.value);
  $('amplitude-out').textContent = state.amplitude.toFixed(2);
  $('frequency-out').textContent = `${state.frequency} Hz`;
  $('phase-out').textContent = `${state.phaseDeg}°`;
}
for (const input of Object.values(sliders)) input.addEventListener('input', readSliders);

function updateControls() {
  const open = state.status === 'open' && !!state.config;
  joinButton.disabled = !open && !state.joined;
  joinButton.textContent = state.joined ? 'Leave' : 'Join';
  joinButton.setAttribute('aria-pressed', String(state.joined));
  overlay.classList.toggle('joined', state.joined);
  $('join-hint').textContent = viewMode === '3d'
    ? (state.joined ? 'Focus the 3-D view and use the arrow keys to move your node.' : 'Join to add your own node to the field.')
    : state.joined
      ? 'Drag your node on the map (or focus the map and use the arrow keys).'
      : 'Join to add your own node to the field, then drag it on the map.';
  if (!state.joined) $('me-pos').textContent = '–';
  else if (state.position) $('me-pos').textContent = `${state.position.x.toFixed(1)}, ${state.position.y.toFixed(1)}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Presentation helpers

function setStatus(status) {
  state.status = status;
  const element = $('status');
  element.dataset.status = status;
  let text = status === 'open' ? 'connected' : status === 'connecting' ? 'connecting…' : 'reconnecting';
  if (status === 'reconnecting') {
    text += ` (attempt ${state.attempt}`;
    if (state.nextRetryMs != null) text += `, retry in ${(state.nextRetryMs / 1000).toFixed(1)} s`;
    text += ')';
  }
  $('status-text').textContent = text;
  updateControls();
}

function setError(text) {
  state.lastError = text;
  $('last-error').textContent = text;
  $('last-error').title = text;
}

function fixed(value, digits) {
  return value == null ? '–' : value.toFixed(digits);
}

function formatValue(v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.001 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

function sizeCanvases() {
  const { width, height } = state.config;
  const scale = CANVAS_LONG_SIDE / Math.max(width, height);
  const cw = Math.max(1, Math.round(width * scale)), ch = Math.max(1, Math.round(height * scale));
  for (const canvas of [heatCanvas, overlay, view3dCanvas]) { canvas.width = cw; canvas.height = ch; }
  $('canvas-wrap').style.aspectRatio = `${cw} / ${ch}`;
  heatImage = null;
  view3d?.request();
}

// ---------------------------------------------------------------------------------------------------------------------
// Read-only test hook

function snapshot() {
  return structuredClone({
    space: state.space,
    status: state.status,
    attempt: state.attempt,
    connections: state.connections,
    userId: state.userId,
    config: state.config,
    seq: state.seq,
    updatesReceived: state.updatesReceived,
    framesReceived: state.framesReceived,
    frame: state.frame,
    scale: state.scale,
    view: viewMode,
    measures: state.measures,
    pairs: state.pairs,
    nodeCount: state.nodes.length,
    joined: state.joined,
    position: state.position,
    lastError: state.lastError,
  });
}

/** The heatmap's colour [r, g, b, a] at field coordinate (x, y), or null before the first frame. */
function pixelAt(x, y) {
  if (!state.config || state.framesReceived === 0) return null;
  const px = Math.min(heatCanvas.width - 1, Math.max(0, Math.floor(x / state.config.width * heatCanvas.width)));
  const py = Math.min(heatCanvas.height - 1, Math.max(0, Math.floor(y / state.config.height * heatCanvas.height)));
  return Array.from(heatCtx.getImageData(px, py, 1, 1).data);
}

window.resonanceViewer = Object.freeze({
  get state() { return snapshot(); },
  pixelAt,
  scaleValueOf,
  /** Position on the colour scale (0 = scale min, 1 = scale max; see state.scale) of the heatmap at (x, y), or null. */
  heatAt(x, y) {
    const rgba = pixelAt(x, y);
    return rgba && scaleValueOf(rgba);
  },
  /** The 3-D view (null in the 2-D view): pixels() reads the drawn canvas back, summit() is the surface's top sample. */
  view3d: view3d && Object.freeze({
    pixels: () => view3d.pixels(),
    summit: () => view3d.summit(),
    get renders() { return view3d.renders; },
    get markerCount() { return view3d.markerCount; },
    get arcCount() { return view3d.arcCount; },
    get webgl() { return view3d.webgl; },
    get inVr() { return view3d.inVr; },
  }),
});

// ---------------------------------------------------------------------------------------------------------------------
// Start

drawLegend();
readSliders();
updateControls();
connect();
pollNodes();
setInterval(pollNodes, NODE_POLL_MS);
