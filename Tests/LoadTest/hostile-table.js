'use strict';
// Prints hostile.sh's table from the load tool's and the hostile tool's --json files.
// usage: node hostile-table.js OUT_DIR "alone hostile flood" REPEAT CLIENTS DURATION
const fs = require('fs');
const path = require('path');

const [dir, variantList, repeatText, clients, duration] = process.argv.slice(2);
const variants = variantList.trim().split(/\s+/);
const repeat = Number(repeatText);
const read = (name) => { try { return fs.readFileSync(path.join(dir, name), 'utf8'); } catch { return null; } };
const json = (name) => { const t = read(name); try { return t ? JSON.parse(t.trim().split('\n').pop()) : null; } catch { return null; } };
const f = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const ms = (v) => (v === null || v === undefined ? '-' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v.toFixed(1) + ' ms');

const header = ['run', 'variant', 'normal connected', 'lag p50', 'lag p99', 'p99 with/without', 'delivered', 'normal closed',
  'normal errors', 'server CPU', 'server peak RSS', 'load tool CPU', 'hostile tool CPU'];
const rows = [];
const ratios = {};
const hostile = [];
for (let r = 1; r <= repeat; r++) {
  const base = json(`alone-r${r}.json`);
  for (const v of variants) {
    const j = json(`${v}-r${r}.json`);
    const h = json(`${v}-r${r}.hostile.json`);
    const hwm = Number((read(`${v}-r${r}.hwm_kb`) || '').trim());
    const ratio = v !== 'alone' && j && base && base.update_lag.p99_ms > 0 ? j.update_lag.p99_ms / base.update_lag.p99_ms : null;
    if (ratio !== null) (ratios[v] ??= []).push(ratio);
    rows.push([String(r), v,
      j ? `${j.clients_connected}/${j.clients}` : 'no run',
      ms(j?.update_lag?.p50_ms), ms(j?.update_lag?.p99_ms), ratio === null ? '' : ratio.toFixed(2),
      j ? f(j.updates_delivered_percent, 1) + ' %' : '-',
      j ? String(j.disconnects) : '-', j ? String(j.errors) : '-',
      j ? f(j.server?.cpu_percent) + ' %' : '-',
      hwm ? f(hwm / 1024) + ' MB' : '-',
      j ? f(j.tool_cpu_window_percent) + ' %' : '-',
      h ? f(h.tool_cpu_percent) + ' %' : '']);
    if (h) hostile.push([r, v, h]);
  }
}

console.log(`${clients} normal app-rate clients, ${duration} s per run; lag = receive time - resonance_update.timestamp (load tool window after its ramp);` +
  ' CPU in % of one core; peak RSS = the gateway\'s VmHWM over the run');
console.log('| ' + header.join(' | ') + ' |');
console.log('|' + header.map(() => ' --- ').join('|') + '|');
for (const row of rows) console.log('| ' + row.join(' | ') + ' |');
const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;
for (const [v, list] of Object.entries(ratios))
  console.log(`\n${v}: normal p99 with/without = ${list.map((x) => x.toFixed(2)).join(', ')} (mean ${mean(list).toFixed(2)}; target <= 1.20)`);
// The control: the same attack on another gateway on these cores. What is left over it is the measured gateway's share.
if (ratios.all && ratios.elsewhere)
  console.log(`\nall over elsewhere (the measured gateway's own share, the shared cores' taken out): ${(mean(ratios.all) / mean(ratios.elsewhere)).toFixed(2)}`);

console.log('\nWhat the hostile clients experienced (time = from the upgrade, or from the connect for slowloris, until the server cut it off):');
console.log('| run | variant | kind | attempts | upgraded | outcomes |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [r, v, h] of hostile) {
  for (const k of h.kinds) {
    const outcomes = Object.entries(k.outcomes).sort((a, b) => b[1].count - a[1].count)
      .map(([how, o]) => how === 'open at end' ? `open at end x${o.count}` : `${how} x${o.count} after ${o.after_s_p50} s (max ${o.after_s_max})`).join('; ');
    console.log(`| ${r} | ${v} | ${k.kind} | ${k.attempts} | ${k.upgraded} | ${outcomes} |`);
  }
  if (h.flood_connects_per_s_first_5s !== undefined && h.flood_connects_per_s_first_5s !== null)
    console.log(`| ${r} | ${v} | flood rate | | | ${h.flood_connects_per_s_first_5s} connects/s over the first 5 s |`);
}
console.log(`\nper-run JSON and logs: ${dir}`);
