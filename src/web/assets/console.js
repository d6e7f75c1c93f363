// The screens of the Muster web console: each follows /api/events and redraws from
// /api/state; the facilitator's controls send one command line each to /api/command.
(function () {
  'use strict';
  var code = new URLSearchParams(window.location.search).get('code');
  var view = document.body.getAttribute('data-view');
  // A seat's page is /seat/ID: it shows and decides only that seat's requests.
  var seatId = view === 'seat' ? decodeURIComponent(window.location.pathname.split('/')[2] || '') : null;
  var decides = view === 'facilitator' || view === 'seat';
  var forms = null; // the command forms (forms.js), on the screens that decide
  var overlay = ''; // the room map's overlay, drawn when the base map has arrived

  function withCode(path) {
    return code ? path + (path.indexOf('?') < 0 ? '?' : '&') + 'code=' + encodeURIComponent(code) : path;
  }

  // Links to the console's own pages carry the join code.
  Array.prototype.forEach.call(document.querySelectorAll('a.keep-code'), function (a) {
    a.setAttribute('href', withCode(a.getAttribute('href')));
  });
  if (view === 'index') {
    fetch('/api/state', {headers: code ? {'x-join-code': code} : {}}).then(function (r) { return r.json(); }).then(function (s) {
      var list = document.getElementById('screens');
      s.seats.forEach(function (seat) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = withCode('/seat/' + encodeURIComponent(seat.id));
        a.textContent = 'Seat: ' + seat.name;
        li.appendChild(a);
        li.appendChild(document.createTextNode(': its own requests, with the policy\'s proposal, to approve or refuse with a reason.'));
        list.appendChild(li);
      });
    });
    return;
  }

  function clock(minutes) {
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    return 'D' + d + '+' + (h < 10 ? '0' : '') + h + ':' + (m < 10 ? '0' : '') + m;
  }

  function span(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return h + ' h ' + (m < 10 ? '0' : '') + m + ' min';
  }

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }

  // A table is replaced only when what it shows changed, so a button someone has focused
  // stays focused while other parts of the screen update.
  function fill(id, rows, empty, columns) {
    var body = document.querySelector('#' + id + ' tbody');
    var fresh = document.createElement('tbody');
    if (rows.length === 0) {
      var tr = document.createElement('tr');
      var td = cell(tr, empty, 'empty');
      td.colSpan = columns;
      fresh.appendChild(tr);
    }
    rows.forEach(function (r) { fresh.appendChild(r); });
    if (fresh.innerHTML !== body.innerHTML) {
      body.parentNode.replaceChild(fresh, body);
    }
  }

  function one(number) { return Math.round(number * 10) / 10; }

  // A run rate (simulated minutes per real minute) in words.
  function rate(r) {
    return r % 1440 === 0 ? r / 1440 + ' day' : r % 60 === 0 ? r / 60 + ' h' : r + ' min';
  }

  function render(s) {
    var st = s.status;
    document.getElementById('title').textContent = s.title;
    var seat = seatId ? s.seats.filter(function (x) { return x.id === seatId; })[0] : null;
    document.title = (view === 'room' ? 'Room screen' : seat ? seat.name : 'Facilitator') + ' — ' + s.title;
    if (seat) {
      document.getElementById('seat-name').textContent = 'Seat: ' + seat.name +
        (s.decision_timer ? ' · undecided requests go to the policy after ' + span(s.decision_timer) : '');
      document.getElementById('trigger-control').hidden = !seat.trigger || st.national_trigger_at !== null;
    }
    document.getElementById('clock').textContent = s.clock + (s.ended ? ' · session ended' : s.finished ? ' · scenario over' : '') +
      (s.running ? ' · running, ' + rate(s.running) + ' a minute' : '');
    var pause = document.getElementById('pause');
    if (pause) { pause.disabled = !s.running; }
    document.getElementById('disruptions').textContent =
      st.disruptions.length ? 'In force: ' + s.disruptions.join(' · ') : '';
    var trigger = document.getElementById('trigger');
    if (trigger) trigger.textContent = st.national_trigger_at === null
      ? 'National mobilisation: not triggered'
      : 'National mobilisation: triggered ' + clock(st.national_trigger_at);

    var incidents = [];
    var totals = {};
    st.incidents.forEach(function (inc) {
      inc.capabilities.forEach(function (c, k) {
        var t = totals[c.capability] || (totals[c.capability] = {demand: 0, onTask: 0, enRoute: 0, short: 0});
        t.demand += c.demand; t.onTask += c.on_task; t.enRoute += c.en_route; t.short += c.shortfall;
        var tr = document.createElement('tr');
        if (c.shortfall > 0) { tr.className = 'short'; }
        cell(tr, k === 0 ? inc.id + ' (' + inc.kind + ')' : '');
        cell(tr, k === 0 ? inc.host : '');
        cell(tr, c.capability);
        cell(tr, String(c.demand), 'num');
        cell(tr, String(c.on_task), 'num');
        cell(tr, String(c.en_route), 'num');
        cell(tr, String(one(c.shortfall)), 'num');
        incidents.push(tr);
      });
    });
    fill('incidents', incidents, 'No incident is active.', 7);

    var mine = st.requests.filter(function (r) { return !seatId || s.owners[r.number] === seatId; });
    var requests = mine.map(function (r) {
      var tr = document.createElement('tr');
      cell(tr, 'R' + r.number + ' ' + r.incident);
      cell(tr, r.host);
      cell(tr, r.outstanding + ' ' + r.capability, 'num');
      cell(tr, String(r.tier), 'num');
      cell(tr, span(Math.max(0, st.now - r.raised_at)), 'num');
      cell(tr, r.decision);
      if (decides) {
        cell(tr, r.proposal.map(function (p) { return p.units + ' from ' + p.from; }).join(', ') || 'nothing');
        var td = cell(tr, '');
        if (r.decision === 'awaiting decision') {
          ['approve', 'refuse'].forEach(function (verb) {
            var b = document.createElement('button');
            b.type = 'button';
            b.textContent = verb.charAt(0).toUpperCase() + verb.slice(1) + ' R' + r.number;
            b.setAttribute('data-command', verb + ' R' + r.number);
            td.appendChild(b);
          });
        }
        var m = document.createElement('button');
        m.type = 'button';
        m.textContent = 'Modify R' + r.number;
        m.setAttribute('data-modify', String(r.number));
        td.appendChild(m);
      }
      return tr;
    });
    fill('requests', requests, seatId ? 'No request of yours is open.' : 'No request is open.', decides ? 8 : 6);

    if (view === 'facilitator') {
      var timeline = s.timeline.map(function (e, i) {
        var tr = document.createElement('tr');
        cell(tr, String(i + 1), 'num');
        cell(tr, clock(e.at));
        var what = cell(tr, e.title);
        if (e.title !== e.command) {
          var command = document.createElement('code');
          command.textContent = e.command;
          what.appendChild(document.createElement('br'));
          what.appendChild(command);
        }
        cell(tr, e.state === 'released' ? 'released ' + clock(e.released_at) : e.state);
        var td = cell(tr, '');
        var actions = e.state === 'due' ? ['release', 'hold', 'skip'] : e.state === 'held' ? ['release', 'resume', 'skip'] : [];
        actions.forEach(function (action) {
          var b = document.createElement('button');
          b.type = 'button';
          b.textContent = action === 'release' ? 'Release now' : action.charAt(0).toUpperCase() + action.slice(1);
          b.setAttribute('aria-label', b.textContent + ': ' + e.title);
          b.setAttribute('data-timeline', String(i + 1));
          b.setAttribute('data-action', action);
          td.appendChild(b);
        });
        return tr;
      });
      fill('timeline', timeline, 'The exercise has no scripted injects (give one with --exercise).', 5);
    }

    if (view === 'room') {
      var caps = Object.keys(totals).sort().map(function (name) {
        var t = totals[name];
        var tr = document.createElement('tr');
        if (t.short > 0) { tr.className = 'short'; }
        cell(tr, name);
        cell(tr, String(t.demand), 'num');
        cell(tr, String(t.onTask), 'num');
        cell(tr, String(t.enRoute), 'num');
        cell(tr, String(one(t.short)), 'num');
        return tr;
      });
      fill('capabilities', caps, 'No demand.', 5);
      overlay = s.map;
      var g = document.getElementById('map-overlay');
      if (g && g.innerHTML !== overlay) { g.innerHTML = overlay; }
    }
    if (forms) { forms.update(s); }
    var ticker = document.getElementById('ticker');
    if (ticker) {
      ticker.textContent = '';
      s.ticker.forEach(function (line) {
        var li = document.createElement('li');
        li.textContent = line;
        ticker.appendChild(li);
      });
    }
    document.body.setAttribute('data-version', String(s.version));
  }

  function headers(extra) {
    var h = extra || {};
    if (code) { h['x-join-code'] = code; }
    return h;
  }

  var loading = false, again = false;
  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    fetch('/api/state', {headers: headers(), cache: 'no-store'})
      .then(function (r) { if (!r.ok) { throw new Error('the console answered ' + r.status); } return r.json(); })
      .then(render)
      .catch(function (e) { document.getElementById('connection').textContent = 'Cannot read the session: ' + e.message; })
      .then(function () { loading = false; if (again) { again = false; refresh(); } });
  }

  if (view === 'room') {
    fetch('/api/map', {headers: headers()}).then(function (r) { return r.text(); }).then(function (svg) {
      document.getElementById('map').innerHTML = svg;
      var g = document.getElementById('map-overlay');
      if (g) { g.innerHTML = overlay; }
    });
  }

  var connection = document.getElementById('connection');
  var events = new EventSource(withCode('/api/events'));
  events.addEventListener('version', function () { connection.textContent = ''; refresh(); });
  events.onerror = function () { connection.textContent = 'Connection to the console lost; retrying…'; };
  refresh();

  if (!decides) { return; }

  var reply = document.getElementById('reply');
  var error = document.getElementById('command-error');
  var input = document.getElementById('command');
  var rationale = document.getElementById('rationale');

  // Send one command line; resolves to {ok, body} (the answer or the refusal).
  function post(line) {
    error.textContent = '';
    var body = {line: line};
    if (seatId) { body.seat = seatId; }
    if (rationale && rationale.value.trim()) { body.rationale = rationale.value.trim(); }
    return fetch('/api/command', {
      method: 'POST',
      headers: headers({'content-type': 'application/json'}),
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (r.ok) {
          reply.textContent = line === 'clear' ? '' : '> ' + line + '\n' + answer.text;
          if (rationale) { rationale.value = ''; }
          refresh();
        }
        return {ok: r.ok, body: answer};
      });
    }).catch(function (e) { return {ok: false, body: {error: 'The console did not answer: ' + e.message}}; });
  }

  // Send a line from a button or the command box; a refusal is shown under the box.
  function send(line) {
    return post(line).then(function (answer) {
      if (!answer.ok) { error.textContent = answer.body.error + (answer.body.hint ? ' — ' + answer.body.hint : ''); }
      return answer.ok;
    });
  }

  if (window.MusterForms) {
    forms = window.MusterForms({post: post, seatId: seatId});
    refresh();
  }

  var noteForm = document.getElementById('note-form');
  if (noteForm) {
    noteForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var note = document.getElementById('note');
      var text = note.value.replace(/#/g, '').trim();
      if (!text) { return; }
      send('note ' + text).then(function (ok) { if (ok) { note.value = ''; } });
    });
  }

  var form = document.getElementById('command-form');
  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var line = input.value.trim();
      if (!line) { return; }
      send(line).then(function (ok) { if (ok) { input.value = ''; } });
    });
  }

  // A POST of the facilitator's (timeline, run rate): its reply, or its refusal under the box.
  function control(path, body, done) {
    error.textContent = '';
    return fetch(path, {
      method: 'POST',
      headers: headers({'content-type': 'application/json'}),
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) { error.textContent = answer.error + (answer.hint ? ' — ' + answer.hint : ''); return; }
        reply.textContent = answer.text || done;
        refresh();
      });
    }).catch(function (e) { error.textContent = 'The console did not answer: ' + e.message; });
  }

  document.body.addEventListener('click', function (e) {
    var t = e.target.closest('button[data-timeline]');
    if (t) {
      var n = Number(t.getAttribute('data-timeline'));
      control('/api/timeline', {inject: n, action: t.getAttribute('data-action')}, 'Inject ' + n);
      return;
    }
    var run = e.target.closest('button[data-rate]');
    if (run) { control('/api/run', {rate: Number(run.getAttribute('data-rate'))}, ''); return; }
    var mod = e.target.closest('button[data-modify]');
    if (mod && forms) { forms.modify(Number(mod.getAttribute('data-modify'))); return; }
    var b = e.target.closest('button[data-command]');
    if (!b) { return; }
    var confirmText = b.getAttribute('data-confirm');
    if (confirmText && !window.confirm(confirmText)) { return; }
    send(b.getAttribute('data-command'));
  });
})();
