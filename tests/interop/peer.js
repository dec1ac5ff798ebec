// autobahn-js (and wampy.js) test peer of the interop tests, driven by tests/interop_*.rs.
// Same command line and output lines as peer.py (see there), with fewer checks:
//   node peer.js callee|caller|join|leave --url ws://... [--serializer json|msgpack|cbor]
//        [--prefix com.js] [--checks add2,echo,...] [--auth ticket:ID:SECRET|wampcra:ID:SECRET|cryptosign:ID:SEEDHEX]
//        [--client autobahn|wampy]
// RawSocket URLs (rs://host:port) use autobahn-js' rawsocket transport (JSON only there).
// `leave` joins with auto-reconnect on, leaves with GOODBYE and prints
// {"joined"}, then {"closed": <Connection.onclose reason>, "will_retry"},
// then {"opens": <sessions opened in all>} 2 s later.
'use strict';

const autobahn = require('autobahn');

function parseArgs(argv) {
  const a = { role: argv[0], realm: 'realm1', serializer: 'json', prefix: 'com.js', checks: '', auth: '', client: 'autobahn' };
  for (let i = 1; i < argv.length; i += 2) {
    a[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  return a;
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function serializer(name) {
  switch (name) {
    case 'json': return new autobahn.serializer.JSONSerializer();
    case 'msgpack': return new autobahn.serializer.MsgpackSerializer();
    case 'cbor': return new autobahn.serializer.CBORSerializer();
    default: throw new Error('unknown serializer ' + name);
  }
}

function authOptions(spec) {
  if (!spec) return {};
  const [method, authid, secret] = splitAuth(spec);
  if (method === 'ticket') {
    return { authmethods: ['ticket'], authid, onchallenge: () => secret };
  }
  if (method === 'wampcra') {
    return {
      authmethods: ['wampcra'], authid,
      onchallenge: (session, m, extra) => {
        let key = secret;
        if (extra.salt) key = autobahn.auth_cra.derive_key(secret, extra.salt, extra.iterations, extra.keylen);
        return autobahn.auth_cra.sign(key, extra.challenge);
      },
    };
  }
  if (method === 'cryptosign') {
    const nacl = require('tweetnacl');
    const pair = nacl.sign.keyPair.fromSeed(Buffer.from(secret, 'hex'));
    return {
      authmethods: ['cryptosign'], authid,
      authextra: { pubkey: Buffer.from(pair.publicKey).toString('hex') },
      onchallenge: (session, m, extra) => {
        const challenge = Buffer.from(extra.challenge, 'hex');
        const sig = nacl.sign.detached(challenge, pair.secretKey);
        return Buffer.from(sig).toString('hex') + extra.challenge;
      },
    };
  }
  throw new Error('unknown auth method ' + method);
}

function splitAuth(spec) {
  const i = spec.indexOf(':');
  const j = spec.indexOf(':', i + 1);
  return [spec.slice(0, i), spec.slice(i + 1, j), spec.slice(j + 1)];
}

function errorObj(e) {
  return { error: e.error, args: e.args || [], kwargs: e.kwargs || {} };
}

async function registerApi(session, p) {
  await session.register(p + '.add2', (args) => args[0] + args[1]);
  await session.register(p + '.echo', (args, kwargs) => new autobahn.Result(args || [], kwargs || {}));
  await session.register(p + '.progress', async (args, kwargs, details) => {
    for (let i = 0; i < args[0]; i++) {
      if (details.progress) details.progress([i]);
      await new Promise((r) => setTimeout(r, 10));
    }
    return 'done';
  });
  await session.register(p + '.fail', () => {
    throw new autobahn.Error('com.example.error.custom', ['bad', 42], { reason: 'because' });
  });
}

async function runCheck(session, p, name) {
  try {
    switch (name) {
      case 'add2':
        return { value: await session.call(p + '.add2', [2, 3]) };
      case 'echo': {
        const r = await session.call(p + '.echo', [1, 'two', [3.5, true, null]], { k: 'v', n: { x: 1 } });
        return { args: r.args, kwargs: r.kwargs };
      }
      case 'progress': {
        const seen = [];
        const final = await session.call(p + '.progress', [3], {}, { receive_progress: true })
          .then((r) => r, null, (p) => seen.push(p instanceof autobahn.Result ? p.args : [p]));
        return { progress: seen, value: final };
      }
      case 'binary': {
        // autobahn-js' JSON serializer has no binary convention: msgpack/cbor only.
        const r = await session.call(p + '.binary', [Buffer.from([0, 1, 2, 254, 255])]);
        return { value: { hex: Buffer.from(r).toString('hex') } };
      }
      case 'cancel_kill': {
        // Mode "kill": the router interrupts the callee and the call fails with
        // the callee's answer. (Without a mode autobahn-js forgets the request
        // at once and treats the router's ERROR as a protocol violation.)
        const call = session.call(p + '.slow');
        await new Promise((r) => setTimeout(r, 500));
        call.cancel({ mode: 'kill' });
        try {
          await call;
          return { value: 'not canceled' };
        } catch (e) {
          if (e instanceof autobahn.Error) return errorObj(e);
          throw e;
        }
      }
      case 'pattern':
        return { value: await session.call(p + '.pattern.one.two', ['x']) };
      case 'wildcard':
        return { value: await session.call(p + '.anything.wild') };
      case 'fail':
        await session.call(p + '.fail');
        return { value: 'no error' };
      case 'no_such_procedure':
        await session.call(p + '.does_not_exist');
        return { value: 'no error' };
      case 'publish':
        for (let i = 0; i < 3; i++) {
          await session.publish(p + '.topic', [i], { i }, { acknowledge: true });
        }
        return { value: 3 };
      case 'meta': {
        const count = await session.call('wamp.session.count');
        const reg = await session.call('wamp.registration.lookup', [p + '.add2']);
        return { value: { count_ok: count >= 1, registered: reg !== null } };
      }
      default:
        throw new Error('unknown check ' + name);
    }
  } catch (e) {
    if (e instanceof autobahn.Error) return errorObj(e);
    throw e;
  }
}

function runAutobahn(a) {
  const isRaw = a.url.startsWith('rs://');
  let transport;
  if (isRaw) {
    const [host, port] = a.url.slice('rs://'.length).split(':');
    transport = { type: 'rawsocket', host, port: Number(port) };
  } else {
    transport = { type: 'websocket', url: a.url, serializers: [serializer(a.serializer)] };
  }
  const conn = new autobahn.Connection({
    transports: [transport], realm: a.realm, max_retries: 0, ...authOptions(a.auth),
  });
  conn.onopen = async (session, details) => {
    try {
      if (a.role === 'join') {
        emit({ joined: true, authid: details.authid, authrole: details.authrole, authmethod: details.authmethod });
      } else if (a.role === 'callee') {
        await registerApi(session, a.prefix);
        emit({ ready: true, session: session.id });
        return;
      } else if (a.role === 'caller') {
        for (const name of a.checks.split(',').filter((c) => c)) {
          emit({ check: name, ...(await runCheck(session, a.prefix, name)) });
        }
        emit({ done: true });
      }
    } catch (e) {
      emit({ failed: String(e && e.stack || e) });
      process.exitCode = 1;
    }
    closing = true;
    conn.close();
  };
  // After our own GOODBYE, autobahn-js on node closes the WebSocket without
  // a status code; our router and Crossbar answer 1000 and autobahn-js
  // reports "closed" (role `leave` checks that). Here any end after our
  // GOODBYE is fine.
  let closing = false;
  conn.onclose = (reason, details) => {
    if (!closing) {
      emit({ abort: details.reason || reason, message: details.message || null });
      if (a.role !== 'join') process.exitCode = 1;
    }
    process.exit();
  };
  conn.open();
}

async function runWampy(a) {
  const { Wampy } = require('wampy');
  const WebSocket = require('ws');
  const ser = {
    json: () => new (require('wampy/JsonSerializer.js').JsonSerializer)(),
    msgpack: () => new (require('wampy/MsgpackSerializer.js').MsgpackSerializer)(),
    cbor: () => new (require('wampy/CborSerializer.js').CborSerializer)(),
  }[a.serializer]();
  const ws = new Wampy(a.url, { realm: a.realm, ws: WebSocket, serializer: ser, autoReconnect: false });
  await ws.connect();
  for (const name of a.checks.split(',').filter((c) => c)) {
    try {
      if (name === 'add2') {
        const r = await ws.call(a.prefix + '.add2', [2, 3]);
        emit({ check: name, value: r.argsList[0] });
      } else if (name === 'fail') {
        await ws.call(a.prefix + '.fail');
        emit({ check: name, value: 'no error' });
      } else {
        throw new Error('unknown wampy check ' + name);
      }
    } catch (e) {
      if (e && e.errorUri) emit({ check: name, error: e.errorUri, args: e.argsList || [], kwargs: e.argsDict || {} });
      else throw e;
    }
  }
  emit({ done: true });
  await ws.disconnect();
  process.exit(0);
}

// A clean leave with auto-reconnect on: autobahn-js must report the
// connection as "closed" (the peer closed the WebSocket with 1000), not
// "lost", and must not open it again.
function runLeave(a) {
  const transport = { type: 'websocket', url: a.url, serializers: [serializer(a.serializer)] };
  const conn = new autobahn.Connection({
    transports: [transport], realm: a.realm,
    max_retries: 5, initial_retry_delay: 0.2, retry_delay_jitter: 0, retry_if_unreachable: true,
  });
  let opens = 0;
  let reported = false;
  conn.onopen = (session) => {
    opens += 1;
    if (opens > 1) return;
    emit({ joined: true });
    session.leave('wamp.close.normal');
  };
  conn.onclose = (reason, details) => {
    if (reported) return;
    reported = true;
    emit({ closed: reason, will_retry: !!details.will_retry });
    setTimeout(() => { emit({ opens }); process.exit(0); }, 2000);
  };
  conn.open();
}

const a = parseArgs(process.argv.slice(2));
if (a.role === 'leave') {
  runLeave(a);
} else if (a.client === 'wampy') {
  runWampy(a).catch((e) => { emit({ failed: String(e && e.stack || e) }); process.exit(1); });
} else {
  runAutobahn(a);
}
