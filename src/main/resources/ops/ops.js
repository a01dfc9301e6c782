// Airlock ops page: sign in, review grants, approve with a fresh one-time code, deny with a reason.
//
// Everything shown here that came from the server is written with textContent or DOM construction, never innerHTML:
// reasons, commands, resource ids and even agent names are written by agents, and an agent that could run script in
// an approver's session could approve its own request. The CSP (script-src 'self') is the second wall, not the first.
//
// The page never polls on its own: a background poll would keep an ops session alive for as long as a tab stays open,
// which defeats the idle timeout. Lists refresh when a person asks or acts.
'use strict';

(function () {
  var STATUSES = ['pending', 'approved', 'redeemed', 'denied', 'expired', 'cancelled'];
  var CODE_RE = /^[0-9]{6}$/;
  var RISKS = ['read', 'write', 'destructive', 'unknown'];
  var REFUSALS_SHOWN = 5;   // the newest few; the CLI and the audit log have them all

  var me = null;            // {name, groups, idle_timeout_seconds} while signed in
  var listStatus = 'pending';
  var current = null;       // the grant shown in the detail view
  var skewMs = 0;           // server time minus browser time, from the Date header when the server sends one
  var loadSeq = 0;          // discards answers to requests a newer navigation has superseded

  function $(id) { return document.getElementById(id); }

  // ---- HTTP -----------------------------------------------------------------------------------------------------

  /** An RFC 9457 problem (or a network failure, status 0) as thrown by api(). */
  function Problem(status, body, retryAfter) {
    this.status = status;
    this.body = body && typeof body === 'object' ? body : {};
    this.retryAfter = retryAfter;
  }

  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    if (method === 'POST' || method === 'DELETE') {
      // A JSON content type cannot be sent cross-site without a CORS preflight; with SameSite=Strict it is a second
      // guard against cross-site requests riding the ops cookie.
      init.headers['Content-Type'] = 'application/json';
      if (body !== undefined) init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      noteServerTime(res);
      return res.text().then(function (text) {
        var data = null;
        if (text) {
          try { data = JSON.parse(text); } catch (e) { data = null; }
        }
        if (!res.ok) {
          if (!data) data = { title: res.statusText || ('HTTP ' + res.status), status: res.status };
          throw new Problem(res.status, data, res.headers.get('Retry-After'));
        }
        return data;
      });
    }, function (err) {
      throw new Problem(0, { title: 'Airlock could not be reached', detail: String(err && err.message || err) }, null);
    });
  }

  function noteServerTime(res) {
    var d = res.headers.get('Date');
    if (!d) return;
    var t = Date.parse(d);
    if (!isNaN(t)) skewMs = t - Date.now();
  }

  // ---- small DOM helpers ----------------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null) return;
        if (k === 'text') e.textContent = String(v);
        else if (k === 'className') e.className = v;
        else e.setAttribute(k, String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function show(node, visible) { node.hidden = !visible; }

  function asList(v) { return Array.isArray(v) ? v : (v === undefined || v === null ? [] : [v]); }

  function fmtTime(iso) {
    if (!iso) return '';
    var t = Date.parse(iso);
    if (isNaN(t)) return String(iso);
    return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
  }

  function timeLeft(expiresIso) {
    var t = Date.parse(expiresIso);
    if (isNaN(t)) return '';
    var s = Math.floor((t - (Date.now() + skewMs)) / 1000);
    if (s <= 0) return 'expired';
    var m = Math.floor(s / 60);
    var h = Math.floor(m / 60);
    if (h >= 48) return Math.floor(h / 24) + 'd left';
    if (h > 0) return h + 'h ' + (m % 60) + 'm left';
    return m + 'm ' + String(s % 60).padStart(2, '0') + 's left';
  }

  function envBadge(env, attrs) {
    var a = attrs || {};
    a.className = 'env ' + envClass(env);
    a['data-env'] = env;
    a.text = env;
    return el('span', a);
  }

  function envClass(env) { return env === 'production' ? 'env-production' : 'env-other'; }

  function chips(ul, items) {
    clear(ul);
    asList(items).forEach(function (s) { ul.appendChild(el('li', null, [el('code', { text: s })])); });
  }

  // ---- problems --------------------------------------------------------------------------------------------------

  /**
   * Shows a problem in the alert region next to the action that failed: title, detail, stable code and, when locked
   * out, how long to wait. A 401 means the session is gone: back to sign-in, saying why.
   */
  function showProblem(region, err, what) {
    if (!(err instanceof Problem)) err = new Problem(0, { title: 'Unexpected error', detail: String(err) }, null);
    if (err.status === 401 && what !== 'signin') {
      signedOut('Your session has ended (' + (err.body.detail || 'not signed in') + '). Sign in again.');
      return;
    }
    var p = err.body;
    clear(region);
    var head = el('strong', { className: 'problem-title', 'data-testid': 'problem-title',
      text: (p.title || 'Error') + (err.status ? ' (' + err.status + ')' : '') });
    region.appendChild(head);
    if (p.detail) region.appendChild(el('span', { className: 'problem-detail', 'data-testid': 'problem-detail', text: p.detail }));
    if (p.code) {
      region.appendChild(el('span', { className: 'problem-code' }, ['code: ',
        el('code', { 'data-testid': 'problem-code', text: p.code })]));
    }
    if (err.status === 429) {
      var wait = err.retryAfter ? 'Try again in ' + err.retryAfter + ' s.' : 'Too many attempts: wait before trying again.';
      region.appendChild(el('span', { className: 'problem-retry', 'data-testid': 'problem-retry', text: wait }));
    }
    var hint = hintFor(p.code, err.status);
    if (hint) region.appendChild(el('span', { className: 'problem-hint', text: hint }));
    show(region, true);
  }

  /** What a person can do about a refusal; the server's detail says what happened. */
  function hintFor(code, status) {
    switch (code) {
      case 'code_invalid':
      case 'code_refused':
      case 'not_fresh': return 'Wait for the next code in your authenticator and enter it.';
      case 'not_an_approver': return 'You are not in an approver group for this environment.';
      case 'requester_cannot_approve':
      case 'owner_cannot_approve': return 'The owner of the requesting agent cannot decide its grants.';
      case 'on_behalf_of_cannot_approve': return 'The agent filed this on your behalf; another person must approve it.';
      case 'wrong_realm': return 'This needs an ops session, not an agent credential.';
      case 'already_approved_by_you':
      case 'already_approved': return 'Your approval is already counted; another person must approve.';
      case 'locked': return 'Too many failed attempts on this account.';
      case 'clock_behind': return 'Your phone and code are fine: ask an operator to run the command named above.';
      case 'precondition_failed': return 'Airlock checks the precondition again at your next approval: a backup must exist first.';
      case 'cross_origin': return 'Open the ops page from the Airlock server itself.';
      case 'passkey_required':
      case 'passkey_not_enrolled': return 'Approve with a passkey; no passkey yet? Add one under Passkeys (top right).';
      case 'challenge_mismatch': return 'Press "Approve with passkey" again to sign this grant as it stands now.';
      case 'user_not_verified': return 'Use an authenticator that asks for your PIN or fingerprint.';
      case 'counter_regressed': return 'Tell your security team: this passkey may have been copied.';
      case 'already_decided':
      case 'not_pending': return 'This grant can no longer be decided. Reload to see its status.';
      default:
        if (typeof code === 'string' && code.indexOf('grant_') === 0) {
          return 'This grant can no longer be decided. Reload to see its status.';
        }
        return status === 0 ? 'Check your connection and try again.' : null;
    }
  }

  function hideProblem(region) { clear(region); show(region, false); }

  // ---- views ----------------------------------------------------------------------------------------------------

  function showView(name) {
    show($('page-loading'), false);
    show($('signin-view'), name === 'signin');
    show($('list-view'), name === 'list');
    show($('detail-view'), name === 'detail');
    show($('passkeys-view'), name === 'passkeys');
  }

  function route() {
    if (!me) {
      showView('signin');
      $('signin-name').focus();
      return;
    }
    if (location.hash === '#/passkeys' && window.AirlockPasskeys) {
      showView('passkeys');
      window.AirlockPasskeys.load();
      return;
    }
    var m = /^#\/grants\/([^/?#]+)$/.exec(location.hash);
    if (m) {
      var id;
      try { id = decodeURIComponent(m[1]); } catch (e) { id = m[1]; }
      loadDetail(id);
    } else {
      loadList();
    }
  }

  // ---- session --------------------------------------------------------------------------------------------------

  function signedIn(session) {
    me = session || {};
    $('whoami-name').textContent = me.name || '';
    var groups = asList(me.groups);
    $('whoami-groups').textContent = groups.length ? '(' + groups.join(', ') + ')' : '';
    var idle = Number(me.idle_timeout_seconds);
    $('whoami-idle').textContent = idle > 0 ? '· signs out after ' + Math.round(idle / 60) + ' min idle' : '';
    show($('whoami'), true);
    show($('signin-message'), false);
  }

  /** Forgets everything shown, so the next person at this screen sees nothing of the last one's session. */
  function signedOut(message) {
    me = null;
    current = null;
    loadSeq++;
    show($('whoami'), false);
    clear($('grant-list'));
    show($('grant-table'), false);
    show($('detail'), false);
    ['signin-error', 'list-error', 'detail-load-error', 'approve-error', 'deny-error'].forEach(function (id) { hideProblem($(id)); });
    $('approve-code').value = '';
    $('deny-reason').value = '';
    clear($('passkey-list'));
    $('signin-passphrase').value = '';
    $('signin-code').value = '';
    var msg = $('signin-message');
    msg.textContent = message || '';
    show(msg, !!message);
    showView('signin');
  }

  function onSignIn(ev) {
    ev.preventDefault();
    var region = $('signin-error');
    hideProblem(region);
    var name = $('signin-name').value.trim();
    var passphrase = $('signin-passphrase').value;
    var code = $('signin-code').value.trim();
    var missing = [];
    if (!name) missing.push('name');
    if (!passphrase) missing.push('passphrase');
    if (!CODE_RE.test(code)) missing.push('a 6-digit code');
    if (missing.length) {
      showProblem(region, new Problem(0, { title: 'Incomplete', detail: 'Enter ' + missing.join(', ') + '.' }), 'signin');
      return;
    }
    var button = $('signin-submit');
    button.disabled = true;
    api('POST', '/v1/ops/session', { name: name, passphrase: passphrase, code: code }).then(function (session) {
      $('signin-passphrase').value = '';
      $('signin-code').value = '';
      signedIn(session);
      route();
    }, function (err) {
      $('signin-code').value = '';
      showProblem(region, err, 'signin');
    }).then(function () { button.disabled = false; });
  }

  function onSignOut() {
    api('DELETE', '/v1/ops/session').then(function () {
      signedOut('Signed out.');
    }, function (err) {
      // Already gone on the server (401) is what we wanted; anything else is still a sign-out here.
      signedOut(err.status === 401 ? 'Signed out.' : 'Signed out here; the server said: ' + (err.body.detail || err.body.title));
    });
  }

  // ---- list -----------------------------------------------------------------------------------------------------

  function loadList() {
    showView('list');
    current = null;
    var seq = ++loadSeq;
    var region = $('list-error');
    hideProblem(region);
    $('status-filter').value = listStatus;
    $('list-state').textContent = 'Loading ' + listStatus + ' grants…';
    api('GET', '/v1/grants?status=' + encodeURIComponent(listStatus)).then(function (data) {
      if (seq !== loadSeq) return;
      renderList(asList(data && data.grants));
    }, function (err) {
      if (seq !== loadSeq) return;
      $('list-state').textContent = '';
      showProblem(region, err, 'list');
    });
  }

  function renderList(grants) {
    var body = $('grant-list');
    clear(body);
    grants.forEach(function (g) { body.appendChild(row(g)); });
    show($('grant-table'), grants.length > 0);
    $('list-state').textContent = grants.length === 0
      ? 'No ' + listStatus + ' grants.'
      : grants.length + ' ' + listStatus + ' grant' + (grants.length === 1 ? '' : 's') + '.';
    tick();
  }

  function row(g) {
    var approvals = asList(g.approvals).length + '/' + (g.approvals_required === undefined ? '?' : g.approvals_required);
    var href = '#/grants/' + encodeURIComponent(g.id);
    var reason = String(g.reason || '');
    var short = reason.length > 140 ? reason.slice(0, 139) + '…' : reason;
    var tr = el('tr', { 'data-testid': 'grant-row', 'data-grant-id': g.id,
      className: envClass(g.environment) + (isDestructive(g) ? ' grant-destructive' : '') }, [
      el('td', null, [envBadge(g.environment, { 'data-testid': 'grant-environment' })]),
      el('td', { 'data-testid': 'grant-agent', text: g.agent }),
      el('td', { 'data-testid': 'grant-scopes' }, scopeRisks(g).map(function (r) {
        return el('span', { className: 'scope', 'data-scope': r.scope, 'data-risk': r.risk }, [
          el('code', { 'data-testid': 'scope-name', text: r.scope }), ' ', riskBadge(r)]);
      })),
      el('td', { 'data-testid': 'grant-resources' }, asList(g.resources).map(function (s) { return el('code', { text: s }); })),
      el('td', { 'data-testid': 'grant-approvals', text: approvals }),
      el('td', { 'data-testid': 'grant-time-left', 'data-expires': g.expires_at, 'data-status': g.status,
        text: leftText(g) }),
      el('td', { 'data-testid': 'grant-reason', className: 'reason', title: reason, text: short }),
      el('td', null, [el('a', { href: href, 'data-testid': 'grant-open', 'aria-label': 'Review grant ' + g.id + ' by ' + g.agent,
        text: 'Review' })])
    ]);
    return tr;
  }

  function leftText(g) {
    return g.status === 'pending' || g.status === 'approved' ? timeLeft(g.expires_at) : String(g.status || '');
  }

  /** Counts down the visible "time left" cells without asking the server. */
  function tick() {
    var cells = document.querySelectorAll('[data-expires]');
    for (var i = 0; i < cells.length; i++) {
      var c = cells[i];
      var st = c.getAttribute('data-status');
      if (st === 'pending' || st === 'approved') c.textContent = timeLeft(c.getAttribute('data-expires'));
    }
  }

  // ---- detail ---------------------------------------------------------------------------------------------------

  function loadDetail(id, keepResult) {
    showView('detail');
    var seq = ++loadSeq;
    var region = $('detail-load-error');
    hideProblem(region);
    if (!keepResult) {
      show($('decision-result'), false);
      hideProblem($('approve-error'));
      hideProblem($('deny-error'));
    }
    if (!current || current.id !== id) show($('detail'), false);
    return api('GET', '/v1/grants/' + encodeURIComponent(id)).then(function (g) {
      if (seq !== loadSeq) return;
      renderDetail(g);
    }, function (err) {
      if (seq !== loadSeq) return;
      show($('detail'), false);
      showProblem(region, err, 'detail');
    });
  }

  function renderDetail(g) {
    var previous = current;
    current = g;
    $('detail-id').textContent = g.id;
    var envNode = $('detail-environment');
    envNode.textContent = g.environment;
    envNode.className = 'env ' + envClass(g.environment);
    envNode.setAttribute('data-env', g.environment);
    var destructive = isDestructive(g);
    $('detail-banner').className = 'env-banner ' + envClass(g.environment) + (destructive ? ' grant-destructive' : '');
    show($('detail-risk-warning'), destructive);

    var status = $('detail-status');
    status.textContent = g.status;
    status.className = 'status status-' + String(g.status).replace(/[^a-z]/g, '');
    $('detail-agent').textContent = g.agent;
    // A delegated request (RFC 8693): the person the agent acts for, who can never approve it themselves.
    var obo = g.on_behalf_of;
    $('detail-obo').textContent = obo ? (obo.name ? obo.name + ' (' + obo.issuer + ':' + obo.sub + ')'
        : obo.issuer + ':' + obo.sub) : '';
    show($('detail-obo-label'), !!obo);
    show($('detail-obo'), !!obo);
    renderScopes(g);
    chips($('detail-resources'), g.resources);
    $('detail-effect').textContent = effect(g);
    renderPreconditions(g.preconditions);
    $('detail-reason').textContent = g.reason || '';
    var cmd = $('detail-command');
    var hasCommand = typeof g.command === 'string' && g.command.length > 0;
    cmd.textContent = hasCommand ? g.command : '(none given)';
    cmd.className = hasCommand ? 'command' : 'command none';
    $('detail-created').textContent = fmtTime(g.created_at);
    var exp = $('detail-expires');
    exp.textContent = fmtTime(g.expires_at);
    if (g.status === 'pending' || g.status === 'approved') {
      exp.appendChild(document.createTextNode(' · '));
      exp.appendChild(el('span', { 'data-expires': g.expires_at, 'data-status': g.status, text: timeLeft(g.expires_at) }));
    }

    var approvals = asList(g.approvals);
    $('detail-approvals-count').textContent = approvals.length + '/' + g.approvals_required;
    var ol = $('detail-approvals');
    clear(ol);
    approvals.forEach(function (a) {
      ol.appendChild(el('li', { 'data-testid': 'approval' }, [
        el('strong', { text: a.by }), ' at ', el('time', { datetime: a.at, text: fmtTime(a.at) })
      ]));
    });

    var decided = g.decided_by ? String(g.decided_by) : '';
    $('detail-decided').textContent = decided;
    show($('detail-decided'), !!decided);
    show($('detail-decided-label'), !!decided);
    var denyReason = g.deny_reason ? String(g.deny_reason) : '';
    $('detail-deny-reason').textContent = denyReason;
    show($('detail-deny-reason'), !!denyReason);
    show($('detail-deny-reason-label'), !!denyReason);

    renderRefusals(g.recent_refusals);

    // Only a pending grant can be decided; the server is the judge, this only spares a pointless attempt.
    show($('decision'), g.status === 'pending');
    renderYou(g.you);
    renderFactor(g);
    if (!previous || previous.id !== g.id) {
      $('approve-code').value = '';
      $('deny-reason').value = '';
    }
    show($('detail'), true);
  }

  /**
   * Issue 16: what Airlock found when it checked the grant's preconditions as this page loaded it (the backup and its
   * age, or why not). Text from the provider, so set as text only, like everything else here.
   */
  function renderPreconditions(p) {
    var dd = $('detail-preconditions');
    clear(dd);
    var has = !!p && typeof p === 'object';
    show(dd, has);
    show($('detail-preconditions-label'), has);
    if (!has) return;
    dd.appendChild(el('strong', { 'data-testid': 'precondition-verdict', className: p.passed ? 'precondition-passed' : 'precondition-failed',
      text: p.passed ? 'passed (checked by Airlock just now)' : 'FAILED: approval is refused while it fails' }));
    var ul = el('ul', null, []);
    asList(p.results).forEach(function (r) {
      if (!r || typeof r !== 'object') return;
      ul.appendChild(el('li', { 'data-testid': 'precondition' }, [
        el('code', { text: String(r.scope || '') + ' on ' + String(r.resource || '') }), ' ', String(r.summary || '')
      ]));
    });
    dd.appendChild(ul);
  }

  /**
   * The agent's latest refusals, newest first, one line each (time, code, what it tried, environment; the reason cut
   * short, in full on hover): enough to notice "it was just told vol-7f3a belongs to production", not a wall of text.
   */
  function renderRefusals(refusals) {
    var body = $('detail-refusals');
    clear(body);
    var list = asList(refusals);
    list.slice(0, REFUSALS_SHOWN).forEach(function (r) {
      if (!r || typeof r !== 'object') r = { reason: String(r) };
      var reason = String(r.reason || '');
      body.appendChild(el('tr', { 'data-testid': 'refusal' }, [
        el('td', null, [el('time', { datetime: r.at, title: fmtTime(r.at), text: clock(r.at) })]),
        el('td', null, [el('code', { 'data-field': 'code', text: r.code || r.type || '' })]),
        el('td', { 'data-field': 'what', className: 'what', text: r.what || '' }),
        el('td', { 'data-field': 'env', text: r.env || '' }),
        el('td', { 'data-field': 'reason', className: 'why', title: reason,
          text: reason.length > 90 ? reason.slice(0, 89) + '…' : reason })
      ]));
    });
    show($('detail-refusals-table'), list.length > 0);
    show($('detail-refusals-empty'), list.length === 0);
    var more = $('detail-refusals-more');
    more.textContent = list.length > REFUSALS_SHOWN
      ? (list.length - REFUSALS_SHOWN) + ' earlier not shown (airlock grants show, or the audit log, has them all).'
      : '';
    show(more, list.length > REFUSALS_SHOWN);
  }

  // ---- risk and standing -----------------------------------------------------------------------------------------

  /** The grant's scopes with their risk; a server that sent none gets "unknown", which warns rather than reassures. */
  function scopeRisks(g) {
    if (Array.isArray(g.scope_risks) && g.scope_risks.length) return g.scope_risks;
    return asList(g.scopes).map(function (s) { return { scope: s, risk: 'unknown', grant_required: true }; });
  }

  /**
   * The server decides from the scopes' risk (never the environment's name); only an explicit false spares the
   * approver the warning.
   */
  function isDestructive(g) { return g.destructive !== false; }

  function riskBadge(r) {
    var risk = RISKS.indexOf(r.risk) >= 0 ? r.risk : 'unknown';
    return el('span', { className: 'risk risk-' + risk, 'data-testid': 'scope-risk', text: risk });
  }

  function renderScopes(g) {
    var ul = $('detail-scopes');
    clear(ul);
    scopeRisks(g).forEach(function (r) {
      var parts = [el('code', { 'data-testid': 'scope-name', text: r.scope }), ' ', riskBadge(r)];
      if (r.grant_required) {
        parts.push(' ', el('span', { className: 'risk-flag', 'data-testid': 'scope-grant-required',
          text: 'grant required by policy' }));
      }
      if (r.description) parts.push(el('span', { className: 'scope-description muted', text: r.description }));
      ul.appendChild(el('li', { 'data-scope': r.scope, 'data-risk': r.risk }, parts));
    });
  }

  /** The effective permission: scope × resources × uses × token lifetime. */
  function effect(g) {
    var uses = typeof g.uses === 'number' ? g.uses : null;
    var life = typeof g.token_lifetime_seconds === 'number' ? duration(g.token_lifetime_seconds) : null;
    var what = asList(g.scopes).join(', ') + ' on ' + asList(g.resources).join(', ');
    if (uses === null || life === null) return what;
    return uses + (uses === 1 ? ' use' : ' uses') + ' of ' + what + ', by a token that lives ' + life + ' once collected';
  }

  function duration(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    if (m === 0) return s + ' s';
    return s === 0 ? m + ' min' : m + ' min ' + s + ' s';
  }

  /** HH:MM:SS UTC of an ISO instant. */
  function clock(iso) {
    var t = Date.parse(iso);
    return isNaN(t) ? String(iso || '') : new Date(t).toISOString().slice(11, 19);
  }

  /**
   * What the signed-in person may do here (the server's "you"), said before any code is typed: the approve form is
   * replaced by the reason when approving would be refused, the deny form too when denying would be.
   */
  function renderYou(you) {
    var mayApprove = !you || you.may_approve !== false;
    var mayDeny = !you || you.may_deny !== false;
    var note = $('decision-you');
    note.textContent = mayApprove ? ''
      : (mayDeny ? 'You may not approve this grant: ' : 'You may not approve or deny this grant: ')
        + sentence(you.why || you.code || 'the server would refuse it') + (mayDeny ? ' You may still deny it.' : '');
    show(note, !mayApprove);
    show($('approve-form'), mayApprove);
    show($('deny-form'), mayDeny);
  }

  var FACTORS = {
    passkey: 'your passkey (with PIN or fingerprint); a one-time code is not accepted',
    totp: 'a fresh one-time code from your authenticator app',
    any: 'your passkey, or a fresh one-time code'
  };

  /** Which factor grants.yaml asks each approval of this grant to carry; the approve form offers only that. */
  function renderFactor(g) {
    var f = FACTORS.hasOwnProperty(g.approval_factor) ? g.approval_factor : 'totp';
    $('detail-factor').textContent = FACTORS[f];
    $('detail-factor').setAttribute('data-factor', f);
    show($('approve-passkey'), f !== 'totp' && !!window.PublicKeyCredential);
    show($('approve-code-fields'), f !== 'passkey');
    $('approve-factor-note').textContent = f === 'passkey'
      ? 'This grant can only be approved with a passkey. No passkey yet? Add one under Passkeys (top right).'
      : 'Every approval needs a fresh ' + (f === 'any' ? 'passkey signature or ' : '') + 'code, even while signed in.';
  }

  function sentence(s) {
    var t = String(s);
    return /[.!?]$/.test(t) ? t : t + '.';
  }

  function decisionDone(message) {
    var result = $('decision-result');
    result.textContent = message;
    show(result, true);
  }

  function onApprove(ev) {
    ev.preventDefault();
    if (!current) return;
    var region = $('approve-error');
    hideProblem(region);
    show($('decision-result'), false);
    var code = $('approve-code').value.trim();
    if (!CODE_RE.test(code)) {
      // Checked here so a typo does not count as a failed attempt towards lockout.
      showProblem(region, new Problem(0, { title: 'Code needed', detail: 'Enter the 6-digit code from your authenticator.' }), 'approve');
      $('approve-code').focus();
      return;
    }
    var id = current.id;
    var button = $('approve-submit');
    button.disabled = true;
    api('POST', '/v1/grants/' + encodeURIComponent(id) + '/approve', { code: code }).then(function (g) {
      $('approve-code').value = '';
      var n = asList(g && g.approvals).length;
      var need = g && g.approvals_required;
      decisionDone(g && g.status === 'pending'
        ? 'Approval recorded: ' + n + '/' + need + '. Still pending: another approver is needed.'
        : 'Approval recorded: ' + n + '/' + need + '. The grant is now ' + (g && g.status) + '.');
      return loadDetail(id, true);
    }, function (err) {
      $('approve-code').value = '';
      if (err.body && err.body.code === 'code_invalid') {
        // "Code invalid" also answers a code refused after a backward clock correction; the session says if so.
        return api('GET', '/v1/ops/session').then(function (me) {
          showProblem(region, me && me.totp_notice
            ? new Problem(err.status, { title: err.body.title, detail: me.totp_notice, code: 'clock_behind' }) : err, 'approve');
        }, function () { showProblem(region, err, 'approve'); });
      }
      showProblem(region, err, 'approve');
    }).then(function () { button.disabled = false; });
  }

  function onDeny(ev) {
    ev.preventDefault();
    if (!current) return;
    var region = $('deny-error');
    hideProblem(region);
    show($('decision-result'), false);
    var reason = $('deny-reason').value.trim();
    if (!reason) {
      showProblem(region, new Problem(0, { title: 'Reason needed', detail: 'Say why you deny this request; the agent and the audit log get it.' }), 'deny');
      $('deny-reason').focus();
      return;
    }
    var id = current.id;
    var button = $('deny-submit');
    button.disabled = true;
    api('POST', '/v1/grants/' + encodeURIComponent(id) + '/deny', { reason: reason }).then(function (g) {
      $('deny-reason').value = '';
      decisionDone('Denied. The grant is now ' + ((g && g.status) || 'denied') + '.');
      return loadDetail(id, true);
    }, function (err) {
      showProblem(region, err, 'deny');
    }).then(function () { button.disabled = false; });
  }

  // What passkeys.js needs of this page, and nothing more.
  window.AirlockOps = {
    api: api, Problem: Problem, showProblem: showProblem, hideProblem: hideProblem, el: el, clear: clear, show: show,
    decisionDone: decisionDone, loadDetail: loadDetail, current: function () { return current; },
    me: function () { return me; }
  };

  // ---- start ----------------------------------------------------------------------------------------------------

  function start() {
    $('signin-form').addEventListener('submit', onSignIn);
    $('signout-button').addEventListener('click', onSignOut);
    $('approve-form').addEventListener('submit', onApprove);
    $('deny-form').addEventListener('submit', onDeny);
    $('list-refresh').addEventListener('click', loadList);
    $('status-filter').addEventListener('change', function () {
      var v = $('status-filter').value;
      listStatus = STATUSES.indexOf(v) >= 0 ? v : 'pending';
      if (location.hash && location.hash !== '#/') location.hash = '#/';
      else loadList();
    });
    window.addEventListener('hashchange', route);
    setInterval(tick, 1000);

    api('GET', '/v1/ops/session').then(function (session) {
      signedIn(session);
      route();
    }, function (err) {
      if (err.status === 401) signedOut(null);
      else {
        signedOut(null);
        showProblem($('signin-error'), err, 'signin');
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
