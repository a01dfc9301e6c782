// Airlock ops page, passkeys (WebAuthn, issue 16): add and remove the signed-in person's passkeys, and approve a grant
// with one. The server does every check (webauthn4j); this file only moves bytes between the browser's WebAuthn API
// and Airlock, as base64url (RFC 4648 §5) in plain JS: no external script.
//
// The approval challenge comes from the server and is derived there from a fresh nonce and the grant's terms, so what
// the authenticator signs is bound to the grant shown: the page has no say in it.
'use strict';

(function () {
  var ops = window.AirlockOps;
  function $(id) { return document.getElementById(id); }

  // ---- base64url --------------------------------------------------------------------------------------------------

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromB64url(s) {
    var b64 = String(s).replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var out = { type: 'public-key', id: fromB64url(d.id) };
      if (d.transports && d.transports.length) out.transports = d.transports;
      return out;
    });
  }

  /** A browser-side failure (cancelled, timed out, no authenticator) as a problem the page can show. */
  function browserProblem(err) {
    var name = err && err.name ? err.name : 'Error';
    var detail = name === 'NotAllowedError' ? 'The passkey prompt was cancelled or timed out.'
      : name === 'InvalidStateError' ? 'This authenticator already holds a passkey for your account.'
      : String(err && err.message || err);
    return new ops.Problem(0, { title: 'Passkey not used', detail: detail, code: 'browser_' + name }, null);
  }

  // ---- the list ---------------------------------------------------------------------------------------------------

  function load() {
    var state = $('passkeys-state');
    state.textContent = 'Loading…';
    ops.hideProblem($('passkey-error'));
    return ops.api('GET', '/v1/ops/passkeys').then(function (data) {
      render(data && data.passkeys || []);
    }, function (err) {
      state.textContent = '';
      ops.showProblem($('passkey-error'), err, 'passkeys');
    });
  }

  function render(keys) {
    var list = $('passkey-list');
    ops.clear(list);
    $('passkeys-state').textContent = keys.length ? keys.length + ' passkey' + (keys.length === 1 ? '' : 's') + '.'
      : 'No passkeys yet.';
    keys.forEach(function (k) {
      var remove = ops.el('button', { type: 'button', 'data-testid': 'passkey-remove', text: 'Remove' });
      remove.addEventListener('click', function () { onRemove(k); });
      list.appendChild(ops.el('li', { 'data-testid': 'passkey', 'data-passkey-id': k.id }, [
        ops.el('strong', { 'data-testid': 'passkey-label', text: k.label }), ' · added ' + when(k.created_at)
          + ' · ' + (k.last_used_at ? 'last used ' + when(k.last_used_at) : 'never used'), ' ', remove
      ]));
    });
  }

  function when(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function onRemove(k) {
    ops.hideProblem($('passkey-error'));
    ops.api('DELETE', '/v1/ops/passkeys/' + encodeURIComponent(k.id)).then(load, function (err) {
      ops.showProblem($('passkey-error'), err, 'passkeys');
    });
  }

  // ---- enrolment (WebAuthn §5.1.3 create) -------------------------------------------------------------------------

  function onAdd(ev) {
    ev.preventDefault();
    var region = $('passkey-error');
    ops.hideProblem(region);
    ops.show($('passkey-add-result'), false);
    var button = $('passkey-add');
    button.disabled = true;
    var label = $('passkey-label').value.trim();
    ops.api('POST', '/v1/ops/passkeys/enrol-options', {}).then(function (o) {
      return navigator.credentials.create({ publicKey: {
        challenge: fromB64url(o.challenge),
        rp: { id: o.rp_id, name: 'Airlock' },
        user: { id: fromB64url(o.user_id), name: o.user_name, displayName: o.user_name },
        pubKeyCredParams: (o.algorithms || []).map(function (alg) { return { type: 'public-key', alg: alg }; }),
        // Airlock binds a passkey to the account, not to a device model: no attestation asked for.
        attestation: 'none',
        authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
        excludeCredentials: descriptors(o.exclude),
        timeout: o.timeout_ms
      } }).catch(function (err) { throw browserProblem(err); });
    }).then(function (cred) {
      var r = cred.response;
      return ops.api('POST', '/v1/ops/passkeys', {
        client_data_json: toB64url(r.clientDataJSON),
        attestation_object: toB64url(r.attestationObject),
        transports: typeof r.getTransports === 'function' ? r.getTransports() : [],
        label: label || 'passkey'
      });
    }).then(function (added) {
      $('passkey-label').value = '';
      var result = $('passkey-add-result');
      result.textContent = 'Passkey "' + added.label + '" added.';
      ops.show(result, true);
      return load();
    }, function (err) {
      ops.showProblem(region, err, 'passkeys');
    }).then(function () { button.disabled = false; });
  }

  // ---- approval (WebAuthn §5.1.4 get) -----------------------------------------------------------------------------

  function onApprove() {
    var g = ops.current();
    if (!g) return;
    var id = g.id;
    var region = $('approve-error');
    ops.hideProblem(region);
    ops.show($('decision-result'), false);
    var button = $('approve-passkey');
    button.disabled = true;
    ops.api('POST', '/v1/ops/passkeys/approval-options', { grant_id: id }).then(function (o) {
      return navigator.credentials.get({ publicKey: {
        challenge: fromB64url(o.challenge),
        rpId: o.rp_id,
        allowCredentials: descriptors(o.allow),
        userVerification: 'required',
        timeout: o.timeout_ms
      } }).catch(function (err) { throw browserProblem(err); });
    }).then(function (cred) {
      var r = cred.response;
      return ops.api('POST', '/v1/grants/' + encodeURIComponent(id) + '/approve', {
        credential_id: toB64url(cred.rawId),
        client_data_json: toB64url(r.clientDataJSON),
        authenticator_data: toB64url(r.authenticatorData),
        signature: toB64url(r.signature),
        user_handle: r.userHandle ? toB64url(r.userHandle) : null
      });
    }).then(function (done) {
      var n = (done && done.approvals || []).length;
      ops.decisionDone(done && done.status === 'pending'
        ? 'Approval recorded with your passkey: ' + n + '/' + done.approvals_required + '. Still pending: another approver is needed.'
        : 'Approval recorded with your passkey: ' + n + '/' + (done && done.approvals_required)
          + '. The grant is now ' + (done && done.status) + '.');
      return ops.loadDetail(id, true);
    }, function (err) {
      ops.showProblem(region, err, 'approve');
    }).then(function () { button.disabled = false; });
  }

  function start() {
    $('passkey-add-form').addEventListener('submit', onAdd);
    $('approve-passkey').addEventListener('click', onApprove);
  }

  window.AirlockPasskeys = { load: load };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
