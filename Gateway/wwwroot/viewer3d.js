// Resonance 3-D / XR view: the field as a lit height surface (height and colour = position on the viewer's colour scale,
// normals from the field gradient, one directional light), nodes as markers, entangled pairs as arcs. Plain WebGL (1 or 2),
// no dependency. The scene lives in a unit box: field x -> X, field y -> Z, value -> Y. WebXR `immersive-vr` renders the
// same scene, placed on a table in front of the viewer.

const HEIGHT = 0.3;              // surface height (unit-box units) at the top of the colour scale
const MARKER_RADIUS = 0.018;
const ARC_SEGMENTS = 24;
const FLOATS = 9;                // per vertex: position xyz, normal xyz, colour rgb
const LIGHT = normalize([0.45, 0.8, 0.35]);
const BACKGROUND = [0.043, 0.055, 0.078];
const XR_MODEL = { scale: 1.2, offset: [0, 0.85, -1.1] }; // the unit box as 1.2 m on a table, 1.1 m ahead (local-floor)

const COLOURS = { participant: [0x4f / 255, 0xd1 / 255, 0xc5 / 255], self: [1, 1, 1], memory: [0xc0 / 255, 0x84 / 255, 0xfc / 255] };

const VERTEX_SHADER = `
attribute vec3 aPos;
attribute vec3 aNormal;
attribute vec3 aColor;
uniform mat4 uViewProj;
uniform mat4 uModel;
varying vec3 vNormal;
varying vec3 vColor;
void main() {
  vNormal = aNormal;   // the model matrix is a uniform scale plus a translation: normals are unchanged
  vColor = aColor;
  gl_Position = uViewProj * uModel * vec4(aPos, 1.0);
}`;

const FRAGMENT_SHADER = `
precision mediump float;
uniform vec3 uLight;
uniform float uLit;
varying vec3 vNormal;
varying vec3 vColor;
void main() {
  float diffuse = max(dot(normalize(vNormal), uLight), 0.0);
  gl_FragColor = vec4(vColor * mix(1.0, 0.3 + 0.75 * diffuse, uLit), 1.0);
}`;

/**
 * Creates the 3-D view on `canvas`. `palette(position)` gives the [r, g, b] (0..255) of a colour-scale position 0..1.
 * Returns null when the browser has no WebGL.
 */
export function createView3d(canvas, palette) {
  const attributes = { antialias: true, preserveDrawingBuffer: true, xrCompatible: true };
  let gl = canvas.getContext('webgl2', attributes) || canvas.getContext('webgl', attributes);
  if (!gl) return null;
  const isWebGl2 = typeof WebGL2RenderingContext !== 'undefined' && gl instanceof WebGL2RenderingContext;

  let program, loc, buffers, uint32Indices;
  let field = null;            // { cols, rows, heights: Float32Array (0..1), width, height (field units), x0, y0, step }
  let surface = null;          // { vertices: Float32Array, indexCount }
  let markers = { nodes: [], pairs: [] };
  let markerVertices = new Float32Array(0), markerCount = 0, arcVertices = new Float32Array(0), arcCount = 0;
  let surfaceDirty = false, markersDirty = false, queued = false, lost = false;
  let renders = 0;
  const camera = { yaw: 0.6, pitch: 0.75, distance: 2.1 };
  let xr = null;               // { session, space }

  function init() {
    program = link(gl, VERTEX_SHADER, FRAGMENT_SHADER);
    loc = {
      pos: gl.getAttribLocation(program, 'aPos'), normal: gl.getAttribLocation(program, 'aNormal'),
      color: gl.getAttribLocation(program, 'aColor'), viewProj: gl.getUniformLocation(program, 'uViewProj'),
      model: gl.getUniformLocation(program, 'uModel'), light: gl.getUniformLocation(program, 'uLight'),
      lit: gl.getUniformLocation(program, 'uLit'),
    };
    buffers = { surface: gl.createBuffer(), index: gl.createBuffer(), markers: gl.createBuffer(), arcs: gl.createBuffer() };
    uint32Indices = isWebGl2 || !!gl.getExtension('OES_element_index_uint');
    gl.enable(gl.DEPTH_TEST);
    surface = null;
    surfaceDirty = markersDirty = true;
  }

  canvas.addEventListener('webglcontextlost', (event) => { event.preventDefault(); lost = true; });
  canvas.addEventListener('webglcontextrestored', () => { lost = false; init(); request(); });
  init();

  // ---------------------------------------------------------------------------------------------------------------
  // Scene data

  /** New field samples: `positions` (row-major cols x rows, colour-scale positions 0..1) over the frame's viewport. */
  function setField(header, positions, config) {
    const cols = header.width, rows = header.height;
    if (!field || field.cols !== cols || field.rows !== rows) field = { cols, rows, heights: new Float32Array(cols * rows) };
    field.heights.set(positions.subarray ? positions.subarray(0, cols * rows) : positions);
    field.width = config.width; field.height = config.height;
    field.x0 = header.x0; field.y0 = header.y0;
    field.stepX = (header.x1 - header.x0) / cols; field.stepY = (header.y1 - header.y0) / rows;
    surfaceDirty = markersDirty = true;   // markers sit on the surface
    request();
  }

  /** Markers: `nodes` [{ x, y, kind: participant|memory|self }], `pairs` [{ a: {x, y}, b: {x, y}, strength }] in field units. */
  function setMarkers(nodes, pairs) {
    markers = { nodes, pairs };
    markersDirty = true;
    request();
  }

  const side = () => Math.max(field.width, field.height);
  const boxX = (x) => (x - field.width / 2) / side();
  const boxZ = (y) => (y - field.height / 2) / side();

  /** Surface height (0..1 scale position) at field point (x, y), bilinear between samples. */
  function heightAt(x, y) {
    if (!field) return 0;
    const u = Math.min(field.cols - 1, Math.max(0, (x - field.x0) / field.stepX));
    const v = Math.min(field.rows - 1, Math.max(0, (y - field.y0) / field.stepY));
    const i0 = Math.floor(u), j0 = Math.floor(v), i1 = Math.min(i0 + 1, field.cols - 1), j1 = Math.min(j0 + 1, field.rows - 1);
    const fx = u - i0, fy = v - j0, h = field.heights, c = field.cols;
    const top = h[j0 * c + i0] + (h[j0 * c + i1] - h[j0 * c + i0]) * fx;
    const bottom = h[j1 * c + i0] + (h[j1 * c + i1] - h[j1 * c + i0]) * fx;
    return top + (bottom - top) * fy;
  }

  function buildSurface() {
    const { cols, rows, heights } = field;
    const count = cols * rows;
    if (!surface || surface.vertices.length !== count * FLOATS) {
      surface = { vertices: new Float32Array(count * FLOATS), indexCount: 0 };
      // Two triangles per grid square; 16-bit indices when the grid is small enough or 32-bit ones are missing.
      const squares = Math.max(0, (cols - 1) * (rows - 1));
      const wide = count > 65535;
      const stride = wide && !uint32Indices ? Math.ceil(Math.sqrt(count / 65535)) : 1;   // decimate rather than fail
      const indices = wide && uint32Indices ? new Uint32Array(squares * 6) : new Uint16Array(squares * 6);
      let n = 0;
      for (let j = 0; j + stride < rows; j += stride)
        for (let i = 0; i + stride < cols; i += stride) {
          const a = j * cols + i, b = a + stride, c = a + stride * cols, d = c + stride;
          if (stride > 1 && d > 65535) continue;
          indices[n++] = a; indices[n++] = c; indices[n++] = b;
          indices[n++] = b; indices[n++] = c; indices[n++] = d;
        }
      surface.indexCount = n;
      surface.indexType = indices instanceof Uint32Array ? gl.UNSIGNED_INT : gl.UNSIGNED_SHORT;
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buffers.index);
      gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, indices.subarray(0, n), gl.STATIC_DRAW);
    }
    const v = surface.vertices, s = side();
    // Grid spacing in unit-box units, for the gradient: d(height)/dx = HEIGHT * d(position) / (step / side).
    const dx = field.stepX / s, dz = field.stepY / s;
    let k = 0;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) {
        const p = heights[j * cols + i];
        const left = heights[j * cols + Math.max(0, i - 1)], right = heights[j * cols + Math.min(cols - 1, i + 1)];
        const up = heights[Math.max(0, j - 1) * cols + i], down = heights[Math.min(rows - 1, j + 1) * cols + i];
        const gx = HEIGHT * (right - left) / (dx * (Math.min(cols - 1, i + 1) - Math.max(0, i - 1) || 1));
        const gz = HEIGHT * (down - up) / (dz * (Math.min(rows - 1, j + 1) - Math.max(0, j - 1) || 1));
        const inv = 1 / Math.hypot(gx, 1, gz);
        const [r, g, b] = palette(p);
        v[k++] = boxX(field.x0 + i * field.stepX); v[k++] = HEIGHT * p; v[k++] = boxZ(field.y0 + j * field.stepY);
        v[k++] = -gx * inv; v[k++] = inv; v[k++] = -gz * inv;
        v[k++] = r / 255; v[k++] = g / 255; v[k++] = b / 255;
      }
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.surface);
    gl.bufferData(gl.ARRAY_BUFFER, v, gl.DYNAMIC_DRAW);
  }

  // An octahedron per node: 8 faces, flat normals.
  const OCTA = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0, 0], [0, -1, 0], [0, 0, -1]];
  const OCTA_FACES = [[0, 1, 2], [2, 1, 3], [3, 1, 5], [5, 1, 0], [2, 4, 0], [3, 4, 2], [5, 4, 3], [0, 4, 5]];

  function buildMarkers() {
    const nodes = field ? markers.nodes : [];
    const need = nodes.length * 24 * FLOATS;
    if (markerVertices.length < need) markerVertices = new Float32Array(need);
    let k = 0;
    for (const node of nodes) {
      const cx = boxX(node.x), cz = boxZ(node.y), cy = HEIGHT * heightAt(node.x, node.y) + MARKER_RADIUS * 1.6;
      const scale = node.kind === 'self' ? 1.5 : 1;
      const colour = COLOURS[node.kind] || COLOURS.participant;
      for (const face of OCTA_FACES) {
        const n = normalize(face.reduce((acc, f) => acc.map((a, q) => a + OCTA[f][q]), [0, 0, 0]));
        for (const f of face) {
          const c = OCTA[f];
          markerVertices.set([cx + c[0] * MARKER_RADIUS * scale, cy + c[1] * MARKER_RADIUS * scale * 1.4, cz + c[2] * MARKER_RADIUS * scale,
            n[0], n[1], n[2], colour[0], colour[1], colour[2]], k);
          k += FLOATS;
        }
      }
    }
    markerCount = k / FLOATS;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.markers);
    gl.bufferData(gl.ARRAY_BUFFER, markerVertices.subarray(0, k), gl.DYNAMIC_DRAW);

    // Arcs: a quadratic curve over each pair, rising with their distance; brighter for a stronger lock.
    const pairs = field ? markers.pairs : [];
    const needArcs = pairs.length * ARC_SEGMENTS * 2 * FLOATS;
    if (arcVertices.length < needArcs) arcVertices = new Float32Array(needArcs);
    k = 0;
    for (const pair of pairs) {
      const a = [boxX(pair.a.x), HEIGHT * heightAt(pair.a.x, pair.a.y) + MARKER_RADIUS * 1.6, boxZ(pair.a.y)];
      const b = [boxX(pair.b.x), HEIGHT * heightAt(pair.b.x, pair.b.y) + MARKER_RADIUS * 1.6, boxZ(pair.b.y)];
      const lift = 0.08 + 0.5 * Math.hypot(b[0] - a[0], b[2] - a[2]);
      const mid = [(a[0] + b[0]) / 2, Math.max(a[1], b[1]) + lift, (a[2] + b[2]) / 2];
      const shade = 0.35 + 0.65 * Math.min(1, Math.max(0, Number(pair.strength) || 0));
      const point = (t) => a.map((_, q) => (1 - t) * (1 - t) * a[q] + 2 * (1 - t) * t * mid[q] + t * t * b[q]);
      for (let s = 0; s < ARC_SEGMENTS; s++) {
        for (const p of [point(s / ARC_SEGMENTS), point((s + 1) / ARC_SEGMENTS)]) {
          arcVertices.set([p[0], p[1], p[2], 0, 1, 0, shade, shade, shade], k);
          k += FLOATS;
        }
      }
    }
    arcCount = k / FLOATS;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.arcs);
    gl.bufferData(gl.ARRAY_BUFFER, arcVertices.subarray(0, k), gl.DYNAMIC_DRAW);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Drawing

  function bindVertices(buffer) {
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    const bytes = FLOATS * 4;
    gl.enableVertexAttribArray(loc.pos); gl.vertexAttribPointer(loc.pos, 3, gl.FLOAT, false, bytes, 0);
    gl.enableVertexAttribArray(loc.normal); gl.vertexAttribPointer(loc.normal, 3, gl.FLOAT, false, bytes, 12);
    gl.enableVertexAttribArray(loc.color); gl.vertexAttribPointer(loc.color, 3, gl.FLOAT, false, bytes, 24);
  }

  function update() {
    if (surfaceDirty && field) { buildSurface(); surfaceDirty = false; }
    if (markersDirty) { buildMarkers(); markersDirty = false; }
  }

  /** Draws the scene with one view-projection and model matrix into the bound framebuffer and viewport. */
  function drawScene(viewProj, model) {
    gl.useProgram(program);
    gl.uniformMatrix4fv(loc.viewProj, false, viewProj);
    gl.uniformMatrix4fv(loc.model, false, model);
    gl.uniform3fv(loc.light, LIGHT);
    if (surface && surface.indexCount > 0) {
      gl.uniform1f(loc.lit, 1);
      bindVertices(buffers.surface);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buffers.index);
      gl.drawElements(gl.TRIANGLES, surface.indexCount, surface.indexType, 0);
    }
    if (markerCount > 0) {
      gl.uniform1f(loc.lit, 1);
      bindVertices(buffers.markers);
      gl.drawArrays(gl.TRIANGLES, 0, markerCount);
    }
    if (arcCount > 0) {
      gl.uniform1f(loc.lit, 0);
      bindVertices(buffers.arcs);
      gl.drawArrays(gl.LINES, 0, arcCount);
    }
  }

  function render() {
    queued = false;
    if (lost || xr) return;   // during an XR session the session's frame loop draws
    update();
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(...BACKGROUND, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    const eye = [
      camera.distance * Math.cos(camera.pitch) * Math.sin(camera.yaw),
      camera.distance * Math.sin(camera.pitch),
      camera.distance * Math.cos(camera.pitch) * Math.cos(camera.yaw),
    ];
    const viewProj = multiply(perspective(Math.PI / 4, canvas.width / Math.max(1, canvas.height), 0.05, 20), lookAt(eye, [0, HEIGHT / 3, 0], [0, 1, 0]));
    drawScene(viewProj, IDENTITY);
    renders++;
  }

  function request() {
    if (queued || xr) return;
    queued = true;
    requestAnimationFrame(render);
  }

  // Orbit with the pointer, zoom with the wheel.
  let drag = null;
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drag) return;
    camera.yaw -= (event.clientX - drag.x) * 0.01;
    camera.pitch = Math.min(1.5, Math.max(0.1, camera.pitch + (event.clientY - drag.y) * 0.01));
    drag = { x: event.clientX, y: event.clientY };
    request();
  });
  const endDrag = () => { drag = null; };
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  canvas.addEventListener('wheel', (event) => {
    event.preventDefault();
    camera.distance = Math.min(6, Math.max(0.8, camera.distance * Math.exp(event.deltaY * 0.001)));
    request();
  }, { passive: false });

  // ---------------------------------------------------------------------------------------------------------------
  // WebXR

  const xrModel = multiply(translation(XR_MODEL.offset), scaling(XR_MODEL.scale));

  /** Whether an immersive VR session can be started here (WebXR present and immersive-vr supported). */
  async function vrSupported() {
    try {
      return !!(navigator.xr && window.XRWebGLLayer && await navigator.xr.isSessionSupported('immersive-vr'));
    } catch {
      return false;
    }
  }

  async function enterVr(onEnd) {
    if (xr) return;
    const session = await navigator.xr.requestSession('immersive-vr', { optionalFeatures: ['local-floor'] });
    try {
      if (gl.makeXRCompatible) await gl.makeXRCompatible();
      session.updateRenderState({ baseLayer: new XRWebGLLayer(session, gl) });
      let space;
      try { space = await session.requestReferenceSpace('local-floor'); } catch { space = await session.requestReferenceSpace('local'); }
      xr = { session, space };
    } catch (e) {
      await session.end().catch(() => {});
      throw e;
    }
    session.addEventListener('end', () => { xr = null; request(); onEnd?.(); });
    session.requestAnimationFrame(onXrFrame);
  }

  function onXrFrame(time, frame) {
    const session = frame.session;
    session.requestAnimationFrame(onXrFrame);
    if (!xr || lost) return;
    const pose = frame.getViewerPose(xr.space);
    if (!pose) return;
    update();
    const layer = session.renderState.baseLayer;
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.clearColor(...BACKGROUND, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    for (const view of pose.views) {
      const vp = layer.getViewport(view);
      gl.viewport(vp.x, vp.y, vp.width, vp.height);
      drawScene(multiply(view.projectionMatrix, view.transform.inverse.matrix), xrModel);
    }
  }

  function exitVr() {
    return xr ? xr.session.end() : Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Read-only test hooks

  /** The drawn canvas read back: its size, number of distinct colours, pixels off the background, and an FNV-1a hash. */
  function pixels() {
    if (lost) return null;
    const w = canvas.width, h = canvas.height, data = new Uint8Array(w * h * 4);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, data);
    const colours = new Set();
    const bg = BACKGROUND.map((c) => Math.round(c * 255));
    let hash = 0x811c9dc5, off = 0;
    for (let k = 0; k < data.length; k += 4) {
      colours.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
      if (Math.abs(data[k] - bg[0]) + Math.abs(data[k + 1] - bg[1]) + Math.abs(data[k + 2] - bg[2]) > 6) off++;
      for (let q = 0; q < 3; q++) hash = Math.imul(hash ^ data[k + q], 0x01000193) >>> 0;
    }
    return { width: w, height: h, distinct: colours.size, offBackground: off, hash: hash.toString(16) };
  }

  /** Where the surface is highest: field coordinates of the top sample and its scale position. */
  function summit() {
    if (!field) return null;
    let best = 0;
    for (let k = 1; k < field.heights.length; k++) if (field.heights[k] > field.heights[best]) best = k;
    const i = best % field.cols, j = Math.floor(best / field.cols);
    return { x: field.x0 + i * field.stepX, y: field.y0 + j * field.stepY, value: field.heights[best] };
  }

  return {
    webgl: isWebGl2 ? 2 : 1,
    setField, setMarkers, request, vrSupported, enterVr, exitVr, pixels, summit,
    get renders() { return renders; },
    get inVr() { return !!xr; },
    get markerCount() { return markerCount / 24; },
    get arcCount() { return arcCount / (ARC_SEGMENTS * 2); },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// GL and matrix helpers (column-major 4x4)

function link(gl, vertexSource, fragmentSource) {
  const compile = (type, source) => {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    return shader;
  };
  const program = gl.createProgram();
  gl.attachShader(program, compile(gl.VERTEX_SHADER, vertexSource));
  gl.attachShader(program, compile(gl.FRAGMENT_SHADER, fragmentSource));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
  return program;
}

const IDENTITY = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

function normalize(v) {
  const n = Math.hypot(...v) || 1;
  return v.map((c) => c / n);
}

function multiply(a, b) {
  const out = new Float32Array(16);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      out[c * 4 + r] = s;
    }
  return out;
}

function perspective(fovY, aspect, near, far) {
  const f = 1 / Math.tan(fovY / 2), nf = 1 / (near - far);
  return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0]);
}

function lookAt(eye, target, up) {
  const z = normalize(eye.map((e, q) => e - target[q]));
  const x = normalize([up[1] * z[2] - up[2] * z[1], up[2] * z[0] - up[0] * z[2], up[0] * z[1] - up[1] * z[0]]);
  const y = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]];
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  return new Float32Array([x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0, -dot(x, eye), -dot(y, eye), -dot(z, eye), 1]);
}

function translation([x, y, z]) {
  return new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1]);
}

function scaling(s) {
  return new Float32Array([s, 0, 0, 0, 0, s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1]);
}
