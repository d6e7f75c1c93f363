// Forms for the console's commands: every inject kind (the facilitator's) and the decisions a
// seat or the facilitator takes beyond approve and refuse (modify, send, hold). A form makes one
// line of the terminal's command language; the browser checks each field first, and a command
// the session refuses has its message shown beside the field it is about (the session says
// which column of the line is wrong, and the form knows which field made those columns).
window.MusterForms = function (api) {
  'use strict';
  var DURATION = '([0-9]+[dhm])+';
  var duration = function (name, label, required) {
    return {name: name, label: label, type: 'text', pattern: DURATION, placeholder: '6h', required: required,
      hint: 'e.g. 30m, 6h or 1d12h'};
  };
  var factor = {name: 'factor', label: 'Times as long (1 to 100)', type: 'number', min: 1, max: 100, step: 0.1, required: true};
  var force = function (name, label, options) {
    return {name: name, label: label, type: 'select', options: options || 'forces', required: true};
  };
  // A line is made of parts: a word, a field ({f: name, pre: text before its value}), or a
  // list of parts left out when its field is empty.
  var INJECTS = [
    {id: 'incident', legend: 'A new incident', fields: [
      {name: 'id', label: 'Incident id', type: 'text', pattern: '[a-z0-9][a-z0-9\\-]*', required: true,
        placeholder: 'leeds-riot', hint: 'lower-case letters, digits and dashes'},
      {name: 'kind', label: 'Kind', type: 'select', options: 'kinds', required: true},
      force('host', 'Host force'),
      {name: 'demand', label: 'Demand: capability=units, a space between', type: 'text', required: true,
        pattern: '[a-z0-9\\-]+=[0-9]+( +[a-z0-9\\-]+=[0-9]+)*', placeholder: 'public-order=10 firearms=2',
        hint: 'e.g. public-order=10 firearms=2'},
      duration('duration', 'Lasting', true),
      {name: 'priority', label: 'Priority (optional; the kind\'s own if empty)', type: 'number', min: 1, max: 100000}
    ], line: ['inject', 'incident', {f: 'id'}, {f: 'kind'}, {f: 'host'}, {f: 'demand'}, 'for', {f: 'duration'}, ['priority', {f: 'priority'}]]},
    {id: 'link-closed', legend: 'A border link closed', fields: [force('a', 'One force'), force('b', 'Its neighbour'), duration('duration', 'For', true)],
      line: ['inject', 'link-closed', {f: 'a'}, {f: 'b'}, 'for', {f: 'duration'}]},
    {id: 'link-slowed', legend: 'A border link slowed', fields: [force('a', 'One force'), force('b', 'Its neighbour'), factor, duration('duration', 'For', true)],
      line: ['inject', 'link-slowed', {f: 'a'}, {f: 'b'}, {f: 'factor', pre: 'x'}, 'for', {f: 'duration'}]},
    {id: 'comms-outage', legend: 'A communications outage', fields: [force('target', 'Force, region or national', 'targets'), duration('duration', 'For', true),
      duration('delay', 'Requests held this long instead of until it ends (optional)', false)],
      line: ['inject', 'comms-outage', {f: 'target'}, 'for', {f: 'duration'}, ['delay', {f: 'delay'}]]},
    {id: 'slow-comms', legend: 'Slow communications', fields: [force('target', 'Force, region or national', 'targets'), factor, duration('duration', 'For', true)],
      line: ['inject', 'slow-comms', {f: 'target'}, {f: 'factor', pre: 'x'}, 'for', {f: 'duration'}]},
    {id: 'threat-level', legend: 'The national threat level', fields: [{name: 'level', label: 'Level', type: 'select', options: 'levels', required: true},
      duration('duration', 'For (a rise to critical only)', false)],
      check: function (v) { return v.level === 'critical' && !v.duration ? {duration: 'say how long critical lasts'} : v.level !== 'critical' && v.duration ? {duration: 'only a rise to critical lasts a while; leave this empty'} : null; },
      line: ['inject', 'threat-level', {f: 'level'}, ['for', {f: 'duration'}]]}
  ];
  var DECISIONS = [
    {id: 'modify', legend: 'Decide a request your way', fields: [
      {name: 'request', label: 'Request', type: 'select', options: 'requests', required: true},
      {name: 'sends', label: 'Units from each force: force=units, a space between', type: 'text', required: true,
        pattern: '[a-z0-9\\-]+=[0-9]+( +[a-z0-9\\-]+=[0-9]+)*', placeholder: 'lancs=2 cumbria=1',
        hint: 'these forces send these units; the tier sends nothing more for it'}
    ], line: ['modify', {f: 'request', pre: 'R'}, {f: 'sends'}], submit: 'Decide it this way'},
    {id: 'send', legend: 'Send units', fields: [
      {name: 'units', label: 'Units', type: 'number', min: 1, max: 100000, required: true},
      {name: 'capability', label: 'Capability', type: 'select', options: 'capabilities', required: true},
      force('from', 'From', 'commanded'),
      {name: 'to', label: 'To incident', type: 'select', options: 'incidents', required: true}
    ], line: ['send', {f: 'units'}, {f: 'capability'}, 'from', {f: 'from'}, 'to', {f: 'to'}], submit: 'Send'},
    {id: 'hold', legend: 'Hold a force back from mutual aid', fields: [
      {name: 'verb', label: 'Action', type: 'select', options: 'holds', required: true},
      force('force', 'Force', 'commanded'),
      {name: 'capability', label: 'Capability (all if none)', type: 'select', options: 'capabilities', blank: 'all capabilities'}
    ], line: [{f: 'verb'}, {f: 'force'}, [{f: 'capability'}]], submit: 'Apply'}
  ];

  var state = null;
  var forms = {};

  // The options of a select, as [value, text] pairs, from the state.
  function options(kind) {
    if (!state) { return []; }
    var n = state.names;
    var seat = api.seatId ? state.seats.filter(function (x) { return x.id === api.seatId; })[0] : null;
    var forceOption = function (f) { return [f.code, f.code + ' — ' + f.name]; };
    switch (kind) {
      case 'forces': return n.forces.map(forceOption);
      case 'commanded': return n.forces.filter(function (f) {
        return !seat || ((seat.regions.length === 0 || seat.regions.indexOf(f.region) >= 0) &&
          (seat.forces.length === 0 || seat.forces.indexOf(f.code) >= 0));
      }).map(forceOption);
      case 'targets': return [['national', 'national (every force)']].concat(
        n.regions.map(function (r) { return [r, r + ' (region)']; }), n.forces.map(forceOption));
      case 'capabilities': return n.capabilities.map(function (c) { return [c, c]; });
      case 'kinds': return n.kinds.map(function (k) { return [k, k]; });
      case 'levels': return n.levels.map(function (l) { return [l, l]; });
      case 'holds': return [['hold', 'Hold back'], ['unhold', 'Offer again']];
      case 'incidents': return state.status.incidents.map(function (i) { return [i.id, i.id + ' (' + i.host + ')']; });
      case 'requests': return state.status.requests.filter(function (r) {
        return !api.seatId || state.owners[r.number] === api.seatId;
      }).map(function (r) { return [String(r.number), 'R' + r.number + ' ' + r.incident + ' (' + r.outstanding + ' ' + r.capability + ')']; });
    }
    return [];
  }

  function fillSelect(select, field) {
    var list = options(field.options);
    if (field.blank) { list = [['', field.blank]].concat(list); }
    else if (list.length === 0) { list = [['', 'none now']]; }
    var key = JSON.stringify(list);
    if (select.getAttribute('data-key') === key) { return; }
    var chosen = select.value;
    select.textContent = '';
    list.forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = o[0];
      opt.textContent = o[1];
      select.appendChild(opt);
    });
    if (list.some(function (o) { return o[0] === chosen; })) { select.value = chosen; }
    select.setAttribute('data-key', key);
  }

  function build(spec, container) {
    var form = document.createElement('form');
    form.className = 'cmd-form';
    form.noValidate = true;
    form.setAttribute('data-form', spec.id);
    var set = document.createElement('fieldset');
    var legend = document.createElement('legend');
    legend.textContent = spec.legend;
    set.appendChild(legend);
    var inputs = {};
    spec.fields.forEach(function (field) {
      var id = 'f-' + spec.id + '-' + field.name;
      var wrap = document.createElement('div');
      wrap.className = 'field';
      var label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = field.label;
      var input = document.createElement(field.type === 'select' ? 'select' : 'input');
      input.id = id;
      input.name = field.name;
      if (field.type !== 'select') {
        input.type = field.type;
        input.autocomplete = 'off';
        input.spellcheck = false;
        ['pattern', 'placeholder', 'min', 'max', 'step'].forEach(function (a) {
          if (field[a] !== undefined) { input.setAttribute(a, String(field[a])); }
        });
      }
      if (field.required) { input.required = true; }
      var error = document.createElement('p');
      error.className = 'error field-error';
      error.id = id + '-error';
      var described = [error.id];
      if (field.hint) {
        var hint = document.createElement('span');
        hint.className = 'hint';
        hint.id = id + '-hint';
        hint.textContent = field.hint;
        described.unshift(hint.id);
        wrap.appendChild(label);
        wrap.appendChild(input);
        wrap.appendChild(hint);
      } else {
        wrap.appendChild(label);
        wrap.appendChild(input);
      }
      input.setAttribute('aria-describedby', described.join(' '));
      wrap.appendChild(error);
      set.appendChild(wrap);
      inputs[field.name] = {field: field, input: input, error: error};
    });
    var submit = document.createElement('button');
    submit.type = 'submit';
    submit.textContent = spec.submit || 'Inject';
    set.appendChild(submit);
    var formError = document.createElement('p');
    formError.className = 'error';
    formError.setAttribute('role', 'alert');
    set.appendChild(formError);
    form.appendChild(set);
    container.appendChild(form);
    forms[spec.id] = {spec: spec, form: form, inputs: inputs, error: formError};
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      submitForm(forms[spec.id]);
    });
    return forms[spec.id];
  }

  function clearErrors(f) {
    f.error.textContent = '';
    Object.keys(f.inputs).forEach(function (k) {
      f.inputs[k].error.textContent = '';
      f.inputs[k].input.removeAttribute('aria-invalid');
    });
  }

  function mark(f, name, message) {
    var i = f.inputs[name];
    i.error.textContent = message;
    i.input.setAttribute('aria-invalid', 'true');
  }

  // The line, and the columns (1-based, inclusive) each field's value fills in it.
  function compose(f, values) {
    var words = [], spans = {}, col = 1;
    function put(text, field) {
      if (words.length) { col += 1; }
      if (field) { spans[field] = [col, col + text.length - 1]; }
      words.push(text);
      col += text.length;
    }
    function walk(parts) {
      parts.forEach(function (p) {
        if (typeof p === 'string') { put(p); }
        else if (Array.isArray(p)) {
          var filled = p.every(function (q) { return typeof q === 'string' || values[q.f] !== ''; });
          if (filled) { walk(p); }
        } else { put((p.pre || '') + values[p.f], p.f); }
      });
    }
    walk(f.spec.line);
    return {line: words.join(' '), spans: spans};
  }

  function submitForm(f) {
    clearErrors(f);
    var values = {}, first = null;
    Object.keys(f.inputs).forEach(function (k) {
      var i = f.inputs[k];
      values[k] = i.input.value.trim().replace(/\s+/g, ' ');
      if (!i.input.checkValidity()) {
        mark(f, k, i.input.validationMessage + (i.field.hint ? ' (' + i.field.hint + ')' : ''));
        first = first || i.input;
      }
    });
    var extra = !first && f.spec.check ? f.spec.check(values) : null;
    if (extra) {
      Object.keys(extra).forEach(function (k) { mark(f, k, extra[k]); first = first || f.inputs[k].input; });
    }
    if (first) { first.focus(); return; }
    var made = compose(f, values);
    api.post(made.line).then(function (answer) {
      if (answer.ok) {
        Object.keys(f.inputs).forEach(function (k) {
          if (f.inputs[k].field.type !== 'select') { f.inputs[k].input.value = ''; }
        });
        return;
      }
      var body = answer.body;
      var message = body.error + (body.hint ? ' — ' + body.hint : '');
      var at = Object.keys(made.spans).filter(function (k) {
        return body.col && made.spans[k][0] <= body.col && body.col <= made.spans[k][1];
      })[0];
      if (at) { mark(f, at, message); f.inputs[at].input.focus(); }
      else { f.error.textContent = message; }
    });
  }

  var injectBox = document.getElementById('inject-forms');
  if (injectBox) {
    var chooser = document.createElement('select');
    chooser.id = 'inject-kind';
    var label = document.createElement('label');
    label.htmlFor = chooser.id;
    label.textContent = 'What to inject';
    INJECTS.forEach(function (spec) {
      var opt = document.createElement('option');
      opt.value = spec.id;
      opt.textContent = spec.legend;
      chooser.appendChild(opt);
    });
    var row = document.createElement('div');
    row.className = 'field';
    row.appendChild(label);
    row.appendChild(chooser);
    injectBox.appendChild(row);
    INJECTS.forEach(function (spec) { build(spec, injectBox).form.hidden = spec.id !== 'incident'; });
    chooser.addEventListener('change', function () {
      INJECTS.forEach(function (spec) { forms[spec.id].form.hidden = spec.id !== chooser.value; });
    });
  }
  var decisionBox = document.getElementById('decision-forms');
  if (decisionBox) { DECISIONS.forEach(function (spec) { build(spec, decisionBox); }); }

  return {
    // Redraw the choices from a new state (a select someone is using keeps its choice).
    update: function (s) {
      state = s;
      Object.keys(forms).forEach(function (id) {
        var f = forms[id];
        Object.keys(f.inputs).forEach(function (k) {
          if (f.inputs[k].field.type === 'select') { fillSelect(f.inputs[k].input, f.inputs[k].field); }
        });
      });
    },
    // Start modifying request `number` from the policy's proposal.
    modify: function (number) {
      var f = forms.modify;
      if (!f) { return; }
      var r = state && state.status.requests.filter(function (x) { return x.number === number; })[0];
      f.inputs.request.input.value = String(number);
      f.inputs.sends.input.value = r ? r.proposal.map(function (p) { return p.from + '=' + p.units; }).join(' ') : '';
      f.inputs.sends.input.focus();
    }
  };
};
