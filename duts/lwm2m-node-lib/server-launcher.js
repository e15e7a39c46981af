#!/usr/bin/env node
/*
 * Launcher for the lwm2m-node-lib (1.4.0) LwM2M Server, used as a server DUT by the conformance
 * harness (see ../lwm2m-node-lib-server.yaml and README.md).
 *
 *   node server-launcher.js --listen HOST:PORT [--log-level LEVEL]
 *
 * It starts the library's server (`require('lwm2m-node-lib').server.start`) on HOST:PORT with the
 * in-memory device registry and reads one operation per line on stdin, the same lines the
 * harness's reference server takes:
 *
 *   read EP PATH              discover EP PATH          write EP PATH VALUE
 *   execute EP PATH [ARGS]    write-attributes EP PATH pmin=1&pmax=5
 *   observe EP PATH           cancel-observe EP PATH
 *
 * EP is the Endpoint Client Name a client registered with; the launcher looks its registration
 * up in the library's registry and calls the library's API with it. Operations the library does
 * not implement (its README: Create, Delete; it has no Write-partial) are refused with a message
 * and send nothing. Everything is logged to stderr; set-up errors exit non-zero (2 = bad
 * arguments, 1 = runtime failure). SIGTERM/SIGINT stop the server and exit 0.
 *
 * Only loopback is used: HOST must be a loopback address, and every UDP socket the library and
 * its `coap` dependency open is bound to HOST instead of the wildcard address.
 */
'use strict';

const net = require('net');
const path = require('path');
const readline = require('readline');
const { logger: makeLogger, exitOnErrors, bindUnaddressedTo } = require('./common');

// Logging to stderr (the harness captures stdout and stderr into one per-trial log file).
const log = makeLogger('server-launcher');
const die = exitOnErrors(log);

// ---------------------------------------------------------------------------------------------
// Arguments

const USAGE = 'usage: node server-launcher.js --listen HOST:PORT [--log-level DEBUG|INFO|WARN|ERROR|FATAL]';

function parseListen(text) {
    // HOST:PORT, [IPv6]:PORT
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text || '');
    if (!m) {
        die(2, '--listen %j is not HOST:PORT\n%s', text, USAGE);
    }
    let host = m[1] || m[2];
    const port = Number(m[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        die(2, '--listen %j: not a UDP port', text);
    }
    if (host === 'localhost') {
        host = '127.0.0.1';
    }
    let family;
    if (net.isIPv4(host) && host.split('.')[0] === '127') {
        family = 'udp4';
    } else if (net.isIPv6(host) && host === '::1') {
        family = 'udp6';
    } else {
        die(2, '--listen %j is not a loopback address; this launcher only uses loopback', text);
    }
    return { host, port, family };
}

function parseArgs(argv) {
    const opts = { logLevel: 'DEBUG' };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '-h' || arg === '--help') {
            process.stderr.write(USAGE + '\n');
            process.exit(0);
        }
        if (arg !== '--listen' && arg !== '--log-level') {
            die(2, 'unknown argument %j\n%s', arg, USAGE);
        }
        if (i + 1 >= argv.length) {
            die(2, '%s needs a value\n%s', arg, USAGE);
        }
        opts[arg === '--listen' ? 'listen' : 'logLevel'] = argv[++i];
    }
    if (!opts.listen) {
        die(2, '--listen is required\n%s', USAGE);
    }
    return Object.assign(opts, parseListen(opts.listen));
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// Loopback only. The library opens its sockets without an address: the CoAP listener binds
// 0.0.0.0:PORT, and every request it makes goes through a fresh coap.Agent whose socket is bound
// implicitly (0.0.0.0:<ephemeral>) on its first send(). Give every bind without an address HOST
// instead; Node's implicit bind on send() goes through Socket.prototype.bind as well.

bindUnaddressedTo(() => opts.host);

// ---------------------------------------------------------------------------------------------
// The library

// The server module loads mongoose (for its MongoDB registry) at the top of dbConn.js, which
// doubles its start-up CPU (0.27 s vs 0.14 s) and, with many trials starting at once, delays the
// listener by seconds. The in-memory registry used here never touches it (dbConn only calls
// mongoose when deviceRegistry.type is `mongodb`), so the launcher puts a stand-in in the module
// cache that throws on any use: it cannot change what the library does, only fail loudly.
function withoutMongoose(libDir) {
    const Module = require('module');
    let resolved;
    try {
        resolved = require.resolve('mongoose', { paths: [libDir] });
    } catch (err) {
        return;     // not installed: nothing to keep from loading
    }
    const stub = new Module(resolved);
    stub.loaded = true;
    stub.exports = new Proxy({}, {
        get(_target, prop) {
            throw new Error(`mongoose.${String(prop)} used, but the launcher runs the in-memory registry`);
        },
    });
    require.cache[resolved] = stub;
}

let server, logger, coap;
try {
    const libDir = path.dirname(require.resolve('lwm2m-node-lib/lib/lwm2m-server'));
    withoutMongoose(libDir);
    server = require('lwm2m-node-lib/lib/lwm2m-server');
    // The library's own logger (logops, a singleton): its traces go to stderr as well.
    logger = require(require.resolve('logops', { paths: [libDir] }));
    logger.setStream(process.stderr);
    logger.setLevel(opts.logLevel);
    coap = require(require.resolve('coap', { paths: [libDir] }));
} catch (err) {
    die(1, 'cannot load lwm2m-node-lib (run `npm ci` in %s): %s', __dirname, err.message);
}

// Every request the server sends to a client is a CoAP request from a fresh coap.Agent to the
// server's own listener at the hard-coded host 127.0.0.1 (::1 for udp6), port `port`, with a
// Proxy-Uri naming the client; the listener (created with `proxy: true`) forwards it from its
// own socket, so the client sees it coming from HOST:PORT. With HOST another loopback address
// than 127.0.0.1, that first hop would miss the listener (or reach whatever else listens on
// 127.0.0.1:PORT), so the launcher points it at HOST. The hop never leaves the process's own
// sockets; what reaches the client is exactly what the library's proxy sends.
const LIBRARY_PROXY_HOST = opts.family === 'udp6' ? '::1' : '127.0.0.1';
const originalRequest = coap.Agent.prototype.request;
coap.Agent.prototype.request = function toOwnListener(url) {
    if (url && url.proxyUri && url.host === LIBRARY_PROXY_HOST && Number(url.port) === opts.port) {
        url = Object.assign({}, url, { host: opts.host });
    }
    return originalRequest.call(this, url);
};

// The server configuration: the library's own shipped config.js (`config.server`), with the port
// given, the in-memory registry and no extra types.
const config = {
    port: opts.port,
    lifetimeCheckInterval: 1000,
    udpWindow: 100,
    defaultType: 'Device',
    logLevel: opts.logLevel,
    ipProtocol: opts.family,
    serverProtocol: opts.family,
    formats: [
        { name: 'application-vnd-oma-lwm2m/text', value: 1541 },
        { name: 'application-vnd-oma-lwm2m/tlv', value: 1542 },
        { name: 'application-vnd-oma-lwm2m/json', value: 1543 },
        { name: 'application-vnd-oma-lwm2m/opaque', value: 1544 },
    ],
    writeFormat: 'application-vnd-oma-lwm2m/text',
    defaultAcceptFormat: 'text/plain',
    deviceRegistry: { type: 'memory' },
};

// ---------------------------------------------------------------------------------------------
// Trigger lines

/** `/3/0/13` -> ['3', '0', '13']; null unless 1 to 3 numeric segments. */
function segments(p) {
    const parts = String(p || '').split('/').filter((s) => s !== '');
    if (parts.length < 1 || parts.length > 3 || !parts.every((s) => /^\d+$/.test(s))) {
        return null;
    }
    return parts;
}

/** `pmin=1&pmax=5` -> { pmin: '1', pmax: '5' } (the library's writeAttributes takes an object). */
function attributes(text) {
    const out = {};
    for (const pair of String(text || '').split('&').filter((s) => s !== '')) {
        const eq = pair.indexOf('=');
        out[eq < 0 ? pair : pair.slice(0, eq)] = eq < 0 ? '' : pair.slice(eq + 1);
    }
    return out;
}

// Observe requests still waiting for their first response, by the library's observer id.
const observing = new Map();
const OBSERVE_WAIT_MS = 5000;

// What the library can do with a path: its API names Object, Instance and Resource separately
// (resource instances are not addressable), and Read, Write, Execute and Observe need all three.
const OPERATIONS = {
    read: { depth: [3], run: (id, p, _rest, cb) => server.read(id, p[0], p[1], p[2], cb) },
    discover: { depth: [1, 2, 3], run: (id, p, _rest, cb) => server.discover(id, ...p, cb) },
    write: { depth: [3], run: (id, p, rest, cb) => server.write(id, p[0], p[1], p[2], rest, cb) },
    execute: { depth: [3], run: (id, p, rest, cb) => server.execute(id, p[0], p[1], p[2], rest, cb) },
    'write-attributes': {
        depth: [1, 2, 3],
        run: (id, p, rest, cb) => server.writeAttributes(id, p[0], p[1], p[2], attributes(rest), cb),
    },
    observe: {
        depth: [3],
        run: (id, p, _rest, cb) => {
            const key = server.buildObserverId(id, p[0], p[1], p[2]);
            const done = new Promise((resolve) => {
                server.observe(id, p[0], p[1], p[2],
                    (value, o, i, r) => log('notification /%s/%s/%s: %j', o, i, r, value),
                    (err, value) => { resolve(); cb(err, value); });
            });
            observing.set(key, done);
            done.then(() => observing.get(key) === done && observing.delete(key));
        },
    },
    'cancel-observe': {
        depth: [3],
        run: (id, p, _rest, cb) => {
            // The library holds an observation only once its first response has come back through
            // its proxy; a cancel line that arrives while the Observe is still in flight waits for
            // that (bounded), as an operator who cancels an observation they just asked for would.
            const key = server.buildObserverId(id, p[0], p[1], p[2]);
            const pending = observing.get(key) || Promise.resolve();
            const bound = new Promise((resolve) => setTimeout(resolve, OBSERVE_WAIT_MS).unref());
            Promise.race([pending, bound]).then(() => server.listObservers((err, list) => {
                // The library's cancel() throws on an observation it does not hold.
                if (err || !list.some((o) => o.id === key)) {
                    return cb(new Error(`no observation ${key}`));
                }
                server.cancelObserver(id, p[0], p[1], p[2], cb);
            }));
        },
    },
};

// Listed in the library's README as "Not implemented" on the server (Create, Delete; its remove()
// calls back without sending anything); Write-partial has no API at all.
const NOT_IMPLEMENTED = ['create', 'delete', 'write-partial'];

function handleLine(line) {
    const text = line.trim();
    if (text === '') {
        return;
    }
    // OP EP PATH [REST]; REST (a value, arguments or attributes) is the rest of the line.
    const m = /^(\S+)\s+(\S+)\s+(\S+)(?:\s(.*))?$/.exec(text);
    const op = m ? m[1] : text.split(/\s+/)[0];
    if (NOT_IMPLEMENTED.includes(op)) {
        log('trigger %j refused: lwm2m-node-lib 1.4.0 does not implement %s; nothing sent', text, op);
        return;
    }
    const spec = OPERATIONS[op];
    if (!m || !spec) {
        log('trigger %j refused: expected one of %s followed by ENDPOINT PATH [VALUE]', text,
            Object.keys(OPERATIONS).join(', '));
        return;
    }
    const [, , endpoint, target, rest = ''] = m;
    const p = segments(target);
    if (!p || !spec.depth.includes(p.length)) {
        log('trigger %j refused: the library\'s %s takes a path of %s numeric segments; nothing sent',
            text, op, spec.depth.join(' or '));
        return;
    }
    server.getDevice(endpoint, (err, device) => {
        if (err || !device) {
            // Not registered (or De-registered): the library has no address to send to.
            log('trigger %j: no registered client %j (%s); nothing sent', text, endpoint,
                err && err.message ? err.message : 'not found');
            return;
        }
        log('trigger %j: device id %s at %s:%s', text, device.id, device.address, device.port);
        spec.run(device.id, p, rest, (opErr, result) => {
            if (opErr) {
                log('%s %s %s failed: %s%s', op, endpoint, target, opErr.name ? opErr.name + ': ' : '',
                    opErr.message || opErr);
            } else {
                log('%s %s %s done: %j', op, endpoint, target, result === undefined ? null : result);
            }
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Shut-down: stop the server, then exit 0 (bounded). A second signal exits at once.

let serverInfo = null;
let stopping = false;

function shutdown(signal) {
    if (stopping) {
        log('%s again: exiting now', signal);
        process.exit(0);
    }
    stopping = true;
    log('%s: stopping the server', signal);
    setTimeout(() => process.exit(0), 1000).unref();
    if (!serverInfo) {
        process.exit(0);
    }
    server.stop(serverInfo, () => process.exit(0));
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// ---------------------------------------------------------------------------------------------

function main() {
    server.start(config, (err, info) => {
        if (err) {
            die(1, 'the server did not start: %s%s', err.name ? err.name + ': ' : '', err.message || err);
        }
        serverInfo = info;
        server.setHandler(info, 'registration', (endpoint, lifetime, version, binding, payload, cb) => {
            log('Register ep=%j lt=%j lwm2m=%j b=%j objects %j', endpoint, lifetime, version, binding, payload);
            cb();
        });
        server.setHandler(info, 'updateRegistration', (device, payload, cb) => {
            log('Update of %j (lt=%j) objects %j', device.name, device.lifetime, payload);
            cb();
        });
        server.setHandler(info, 'unregistration', (device, cb) => {
            log('De-register of %j', device.name);
            cb();
        });
        log('listening on %s; reading triggers on stdin', opts.listen);
        // Lines that arrived before the listener was up were buffered by the pipe: read them now.
        const rl = readline.createInterface({ input: process.stdin, terminal: false });
        rl.on('line', handleLine);
        rl.on('close', () => log('stdin closed; still serving until signalled'));
    });
}

main();

// Keep the process alive once stdin closes; it ends only through a signal or an error.
setInterval(() => {}, 1 << 30);
