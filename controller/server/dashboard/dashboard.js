// The Microscale dashboard: apps by priority with their last 15 minutes, every node with
// its containers, the events, and the controls of the demo. Served by the controller; it
// reads /api/v1/history once and then follows /api/v1/stream (server-sent events, read
// with fetch so that the token goes in a header). Everything shown is set as text: no
// markup ever comes from data.
'use strict';

(() => {
  const WINDOW_MS = 15 * 60 * 1000;
  const MAX_EVENTS = 100;
  const SVG = 'http://www.w3.org/2000/svg';
  const state = {
    token: '',
    history: new Map(),  // app -> [[t, demand, desired, allocated, running], ...]
    events: [],
    apps: new Map(),     // app -> its card's elements
    nodes: new Map(),    // node -> its card's elements
    headings: new Map(), // priority -> its heading
    more: null,          // the "more apps" line
    abort: null,
    retry: null,
  };

  const $ = (id) => document.getElementById(id);

  // Puts `children` in `root` in this order, touching nothing when they already are: moving
  // an element out and back in takes the focus from an input being typed in.
  function arrange(root, children) {
    const now = root.children;
    const same = now.length === children.length && children.every((c, i) => now[i] === c);
    if (!same) root.replaceChildren(...children);
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function colorOf(name) {
    let h = 0;
    for (const ch of name) h = (h * 31 + ch.codePointAt(0)) >>> 0;
    return `hsl(${h % 360}, 62%, 48%)`;
  }

  function headers(json) {
    const h = {};
    if (state.token) h.Authorization = 'Bearer ' + state.token;
    if (json) h['Content-Type'] = 'application/json';
    return h;
  }

  function setStatus(text, bad) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('bad', !!bad);
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (body && body.error) return `${response.status}: ${body.error}`;
    } catch (e) { /* not JSON */ }
    return `${response.status} ${response.statusText}`;
  }

  // --- history and charts ------------------------------------------------------------

  function remember(app, sample) {
    let samples = state.history.get(app);
    if (!samples) state.history.set(app, samples = []);
    if (samples.length && samples[samples.length - 1][0] >= sample[0]) return;
    samples.push(sample);
    const oldest = sample[0] - WINDOW_MS;
    while (samples.length && samples[0][0] < oldest) samples.shift();
  }

  function drawChart(chart, samples, now) {
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    const w = 600, h = 90, pad = 14;
    chart.setAttribute('viewBox', `0 0 ${w} ${h}`);
    chart.setAttribute('preserveAspectRatio', 'none');
    let top = 1;
    for (const s of samples) {
      for (let i = 1; i <= 4; i++) if (s[i] !== null && s[i] > top) top = s[i];
    }
    // The last 15 minutes, or since the first sample when there is less (a young page).
    const start = Math.max(now - WINDOW_MS, samples.length ? samples[0][0] : now);
    const span = Math.max(now - start, 10 * 1000);
    const x = (t) => ((t - (now - span)) / span) * w;
    const y = (v) => h - pad - (v / top) * (h - 2 * pad);
    chart.appendChild(svg('line', {class: 'axis', x1: 0, y1: h - pad, x2: w, y2: h - pad}));
    const label = svg('text', {x: 2, y: 10});
    label.textContent = `max ${Math.round(top * 10) / 10} · last ${Math.round(span / 60000) || '<1'} min`;
    chart.appendChild(label);
    const names = ['demand', 'desired', 'allocated', 'running'];
    names.forEach((name, i) => {
      const points = [];
      for (const s of samples) {
        if (s[i + 1] === null || s[i + 1] === undefined) continue;
        points.push(`${x(s[0]).toFixed(1)},${y(s[i + 1]).toFixed(1)}`);
      }
      if (points.length) chart.appendChild(svg('polyline', {class: name, points: points.join(' ')}));
    });
  }

  // --- controls ------------------------------------------------------------------------

  async function control(path, body, result) {
    result.textContent = '...';
    result.classList.remove('bad');
    try {
      const r = await fetch(path, {method: 'POST', headers: headers(true), body: JSON.stringify(body)});
      if (r.ok) {
        result.textContent = 'done';
      } else {
        result.textContent = 'refused: ' + await errorText(r);
        result.classList.add('bad');
      }
    } catch (e) {
      result.textContent = 'failed: ' + e;
      result.classList.add('bad');
    }
  }

  function numberInput(value, label) {
    const i = el('input');
    i.type = 'number';
    i.min = '0';
    i.step = 'any';
    i.setAttribute('aria-label', label);
    if (value !== undefined && value !== null) i.value = String(value);
    return i;
  }

  // --- apps ----------------------------------------------------------------------------

  function appCard(a) {
    const card = el('div', 'app');
    card.dataset.app = a.name;
    const head = el('div', 'app-head');
    const swatch = el('span', 'swatch');
    swatch.style.background = colorOf(a.name);
    head.appendChild(swatch);
    head.appendChild(el('span', 'app-name', a.name));
    const figures = el('span', 'figures');
    head.appendChild(figures);
    card.appendChild(head);
    const key = el('div', 'key');
    for (const k of ['demand', 'desired', 'allocated', 'running']) key.appendChild(el('span', 'k-' + k, k));
    card.appendChild(key);
    const chart = svg('svg', {class: 'chart', role: 'img', 'aria-label': `${a.name} over 15 minutes`});
    card.appendChild(chart);
    const controls = el('div', 'controls');
    const result = el('span', 'result');
    if (a.source === 'static') {
      const v = numberInput(a.demand, `demand of ${a.name}`);
      const b = el('button', null, 'Set demand');
      b.dataset.action = 'demand';
      b.addEventListener('click', () =>
        control(`/api/v1/apps/${encodeURIComponent(a.name)}/demand`, {value: Number(v.value)}, result));
      controls.append('demand', v, b, result);
    } else if (a.source === 'random' && a.random) {
      const lo = numberInput(a.random.min, `random min of ${a.name}`);
      const hi = numberInput(a.random.max, `random max of ${a.name}`);
      const b = el('button', null, 'Set range');
      b.dataset.action = 'random';
      b.addEventListener('click', () =>
        control(`/api/v1/apps/${encodeURIComponent(a.name)}/random`,
                {min: Number(lo.value), max: Number(hi.value)}, result));
      controls.append('random min', lo, 'max', hi, b, result);
    }
    if (controls.childNodes.length) card.appendChild(controls);
    return {card, figures, chart, source: a.source};
  }

  function renderApps(apps, total, now) {
    const root = $('apps');
    const seen = new Set();
    let priority = null;
    const order = [];
    for (const a of apps) {
      seen.add(a.name);
      let entry = state.apps.get(a.name);
      if (!entry || entry.source !== a.source) {
        if (entry) entry.card.remove();
        entry = appCard(a);
        state.apps.set(a.name, entry);
      }
      if (a.priority !== priority) {
        priority = a.priority;
        if (!state.headings.has(priority)) state.headings.set(priority, el('h3', null, `priority ${priority}`));
        order.push(state.headings.get(priority));
      }
      const demand = a.demand === null || a.demand === undefined ? 'unknown' : a.demand;
      entry.figures.textContent =
        `demand ${demand} · desired ${a.desired} · allocated ${a.allocated} · running ${a.running}` +
        (a.paused ? ` · paused ${a.paused}` : '');
      drawChart(entry.chart, state.history.get(a.name) || [], now);
      order.push(entry.card);
    }
    for (const [name, entry] of state.apps) {
      if (!seen.has(name)) {
        entry.card.remove();
        state.apps.delete(name);
      }
    }
    if (total > apps.length) {
      if (!state.more) state.more = el('p', 'muted');
      state.more.textContent = `${total - apps.length} more apps not shown`;
      order.push(state.more);
    }
    arrange(root, order);
  }

  // --- nodes ---------------------------------------------------------------------------

  function nodeCard(n) {
    const card = el('div', 'node');
    card.dataset.node = n.name;
    const head = el('div', 'node-head');
    head.appendChild(el('strong', null, n.name));
    const st = el('span', 'node-state');
    head.appendChild(st);
    card.appendChild(head);
    const slots = el('div', 'slots');
    card.appendChild(slots);
    const controls = el('div', 'controls');
    const b = el('button');
    b.dataset.action = 'cordon';
    const result = el('span', 'result');
    b.addEventListener('click', () =>
      control(`/api/v1/nodes/${encodeURIComponent(n.name)}/cordon`, {cordon: b.dataset.cordon === 'true'}, result));
    controls.append(b, result);
    card.appendChild(controls);
    return {card, st, slots, button: b};
  }

  function renderNodes(nodes, now) {
    const root = $('nodes');
    $('node-count').textContent = nodes.total > nodes.items.length
      ? `(${nodes.items.length} of ${nodes.total})` : `(${nodes.total})`;
    const seen = new Set();
    const apps = new Set();
    const order = [];
    for (const n of nodes.items) {
      seen.add(n.name);
      let entry = state.nodes.get(n.name);
      if (!entry) state.nodes.set(n.name, entry = nodeCard(n));
      entry.card.classList.toggle('notready', n.state === 'NotReady');
      entry.card.classList.toggle('cordoned', n.state === 'Cordoned');
      entry.st.textContent = n.draining ? `${n.state}, draining` : n.state;
      entry.button.textContent = n.state === 'Cordoned' ? 'Uncordon' : 'Cordon';
      entry.button.dataset.cordon = n.state === 'Cordoned' ? 'false' : 'true';
      const boxes = [];
      let hidden = 0;
      for (const group of n.containers) {
        apps.add(group.app);
        for (let i = 0; i < group.count; i++) {
          if (boxes.length >= 60) { hidden++; continue; }
          const s = el('span', 'slot ' + group.state.toLowerCase());
          s.style.background = colorOf(group.app);
          s.title = `${group.app}: ${group.state}`;
          boxes.push(s);
        }
      }
      if (hidden) boxes.push(el('span', 'more', `+${hidden}`));
      entry.slots.replaceChildren(...boxes);
      order.push(entry.card);
    }
    for (const [name, entry] of state.nodes) {
      if (!seen.has(name)) { entry.card.remove(); state.nodes.delete(name); }
    }
    arrange(root, order);
    const legend = [];
    for (const app of [...apps].sort()) {
      const item = el('span');
      const sw = el('span', 'swatch');
      sw.style.background = colorOf(app);
      item.append(sw, ' ' + app);
      legend.push(item);
    }
    legend.push(el('span', 'muted', 'faded: paused · dashed: starting or stopping'));
    $('legend').replaceChildren(...legend);
  }

  // --- events and attention --------------------------------------------------------------

  function renderEvents() {
    const items = state.events.slice().reverse().map((e) => {
      const li = el('li');
      li.append(el('span', 'time', (e.time || '').replace('T', ' ').replace('Z', '')),
                el('span', 'reason', e.reason), el('span', 'object', e.object),
                el('span', 'message', e.message));
      return li;
    });
    $('events').replaceChildren(...items);
  }

  function renderAttention(s) {
    const items = [];
    for (const a of s.apps) {
      for (const c of a.conditions || []) {
        const wrong = (c.type === 'DemandAvailable' && c.status === 'False') ||
                      (c.type === 'CrashLoopBackOff' && c.status === 'True');
        if (wrong) items.push(el('li', null, `app/${a.name}: ${c.type} ${c.reason}: ${c.message}`));
      }
    }
    for (const n of s.nodes.items) {
      if (n.state === 'NotReady') items.push(el('li', null, `node/${n.name} is NotReady`));
    }
    const box = $('attention');
    box.hidden = items.length === 0;
    const list = el('ul');
    list.replaceChildren(...items);
    box.replaceChildren(el('strong', null, 'Needs attention'), list);
  }

  function onSnapshot(s) {
    const now = Date.parse(s.time);
    $('cluster').textContent = `cluster ${s.cluster}`;
    for (const a of s.apps) {
      remember(a.name, [now, a.demand === undefined ? null : a.demand, a.desired, a.allocated, a.running]);
    }
    for (const e of s.events || []) state.events.push(e);
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
    renderApps(s.apps, s.appsTotal, now);
    renderNodes(s.nodes, now);
    renderEvents();
    renderAttention(s);
    setStatus(`live · ${new Date(now).toLocaleTimeString()}`, false);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  // --- the stream ------------------------------------------------------------------------

  async function loadHistory() {
    const r = await fetch('/api/v1/history', {headers: headers(false)});
    if (!r.ok) throw new Error(await errorText(r));
    const body = await r.json();
    for (const item of body.items || []) {
      for (const sample of item.samples || []) remember(item.app, sample);
    }
  }

  function later() {
    clearTimeout(state.retry);
    state.retry = setTimeout(connect, 2000);
  }

  async function connect() {
    if (state.abort) state.abort.abort();
    const abort = new AbortController();
    state.abort = abort;
    try {
      await loadHistory();
      const r = await fetch('/api/v1/stream', {headers: headers(false), signal: abort.signal});
      if (!r.ok) {
        setStatus('refused: ' + await errorText(r), true);
        later();
        return;
      }
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, {stream: true});
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) onSnapshot(JSON.parse(data));
        }
      }
      setStatus('disconnected; reconnecting...', true);
    } catch (e) {
      if (abort.signal.aborted) return;
      setStatus('disconnected (' + e.message + '); reconnecting...', true);
    }
    if (state.abort === abort) later();
  }

  document.addEventListener('DOMContentLoaded', () => {
    const token = $('token');
    token.addEventListener('change', () => {
      state.token = token.value.trim();
      connect();
    });
    connect();
  });
})();
