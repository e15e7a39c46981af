#!/usr/bin/env node
/*
 * Non-interactive launcher for the lwm2m-node-lib (1.4.0) LwM2M client, used as a DUT by the
 * conformance harness (see ../lwm2m-node-lib.yaml and README.md).
 *
 *   node launcher.js --host H --port P --endpoint EP [--lifetime N] [--log-level LEVEL]
 *
 * It plays the part of the "application" the library expects: it fills the library's object
 * registry, configures the client, registers with coap://H:P, and on SIGTERM/SIGINT De-registers
 * (bounded to 1.5 s) and exits 0. Everything it does is logged to stderr; set-up errors print a
 * message and exit non-zero (2 = bad arguments, 1 = runtime failure).
 *
 * Only loopback is used: H must be a loopback address, and every UDP socket the library (and its
 * `coap` dependency) opens is bound to the loopback address of the same family instead of the
 * wildcard address.
 */
'use strict';

const net = require('net');
const path = require('path');
const { logger: makeLogger, exitOnErrors, bindUnaddressedTo } = require('./common');

const DEREGISTER_TIMEOUT_MS = 1500;

// Logging to stderr (the harness captures stdout and stderr into one per-trial log file).
const log = makeLogger('launcher');
const die = exitOnErrors(log);

// ---------------------------------------------------------------------------------------------
// Arguments

const USAGE = 'usage: node launcher.js --host H --port P --endpoint EP [--lifetime N] [--log-level LEVEL]';

function parseArgs(argv) {
    const opts = { lifetime: 300, logLevel: 'DEBUG' };
    const names = { '--host': 'host', '--port': 'port', '--endpoint': 'endpoint', '--lifetime': 'lifetime',
        '--log-level': 'logLevel' };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '-h' || arg === '--help') {
            process.stderr.write(USAGE + '\n');
            process.exit(0);
        }
        let key = arg, value;
        const eq = arg.indexOf('=');
        if (arg.startsWith('--') && eq > 0) {
            key = arg.slice(0, eq);
            value = arg.slice(eq + 1);
        }
        if (!(key in names)) {
            die(2, 'unknown argument %j\n%s', arg, USAGE);
        }
        if (value === undefined) {
            if (i + 1 >= argv.length) {
                die(2, '%s needs a value\n%s', key, USAGE);
            }
            value = argv[++i];
        }
        opts[names[key]] = value;
    }
    for (const required of ['host', 'port', 'endpoint']) {
        if (opts[required] === undefined || opts[required] === '') {
            die(2, '--%s is required\n%s', required, USAGE);
        }
    }
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        die(2, '--port %j is not a UDP port', opts.port);
    }
    opts.port = port;
    const lifetime = Number(opts.lifetime);
    if (!Number.isInteger(lifetime) || lifetime < 1) {
        die(2, '--lifetime %j is not a positive integer (seconds)', opts.lifetime);
    }
    opts.lifetime = lifetime;
    if (opts.host === 'localhost') {
        opts.host = '127.0.0.1';
    }
    if (opts.host.startsWith('[') && opts.host.endsWith(']')) {
        opts.host = opts.host.slice(1, -1);
    }
    if (net.isIPv4(opts.host) && opts.host.split('.')[0] === '127') {
        opts.family = 'udp4';
        opts.localAddress = '127.0.0.1';
    } else if (net.isIPv6(opts.host) && opts.host === '::1') {
        opts.family = 'udp6';
        opts.localAddress = '::1';
    } else {
        die(2, '--host %j is not a loopback address; this launcher only uses loopback', opts.host);
    }
    if (!/^[^&?=\s]+$/.test(opts.endpoint)) {
        // The library pastes the name into the query string unescaped.
        die(2, '--endpoint %j contains characters the library cannot put in a Uri-Query', opts.endpoint);
    }
    return opts;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// Loopback only: the library creates its sockets without an address (coap.Agent sends from an
// implicitly bound 0.0.0.0:<ephemeral>, coap.createServer(...).listen(port) binds 0.0.0.0:port).
// Give every bind without an explicit address the loopback address instead. Node's implicit bind
// on first send() goes through Socket.prototype.bind as well.

bindUnaddressedTo((socket) => (socket.type === 'udp6' ? '::1' : '127.0.0.1'));

// ---------------------------------------------------------------------------------------------
// The library

// `require('lwm2m-node-lib').client` is lib/lwm2m-client.js. Requiring that module directly gives
// the very same client API but skips the package index, which also loads the server half of the
// library and, through it, mongoose/mongodb: start-up drops from ~0.4 s to ~0.15 s of CPU, which
// matters when the harness starts dozens of trials at once.
let client, logger;
try {
    client = require('lwm2m-node-lib/lib/lwm2m-client');
    // The library's own logger (logops, a singleton): send its traces to stderr as well.
    const libDir = path.dirname(require.resolve('lwm2m-node-lib/lib/lwm2m-client'));
    logger = require(require.resolve('logops', { paths: [libDir] }));
    logger.setStream(process.stderr);
    logger.setLevel(opts.logLevel);
} catch (err) {
    die(1, 'cannot load lwm2m-node-lib (run `npm ci` in %s): %s', __dirname, err.message);
}
const registry = client.registry;

// The client configuration, as the library's config.js documents it.
const config = {
    logLevel: opts.logLevel,
    client: {
        lifetime: String(opts.lifetime),  // `lt` of Register and Update
        version: '1.0',                   // `lwm2m` of Register
        logLevel: opts.logLevel,
        observe: { period: 3000 },        // unused by the 1.4.0 client code
        ipProtocol: opts.family,          // socket type of the outgoing (Register/Update/De-register) agent
        serverProtocol: opts.family,      // socket type of the listener for server requests
        formats: [{ name: 'lightweightm2m/text', value: 1541 }],
        writeFormat: 'lightweightm2m/text',
    },
};

function call(fn, ...args) {
    return new Promise((resolve, reject) => fn(...args, (err, result) => (err ? reject(err) : resolve(result))));
}

// Object instances the application exposes. Values are strings: the library answers a Read
// with the stored value's toString() (plain text).
const unixNow = () => String(Math.floor(Date.now() / 1000));
const OBJECTS = {
    '/1/0': {               // LwM2M Server Object instance for the server we register with
        0: '1',             // Short Server ID
        1: String(opts.lifetime), // Lifetime (= lt of the Register)
        6: '0',             // Notification Storing When Disabled or Offline (false)
        7: 'U',             // Binding
    },
    '/3/0': {               // Device Object instance
        0: 'lwm2m-node-lib', // Manufacturer
        1: 'lwm2m-node-lib client 1.4.0 (conformance launcher)', // Model Number
        2: `SN-${process.pid}`, // Serial Number
        3: '1.4.0',         // Firmware Version
        13: unixNow(),      // Current Time (kept up to date below)
    },
};

async function fillRegistry() {
    for (const [uri, resources] of Object.entries(OBJECTS)) {
        await call(registry.create, uri);
        for (const [id, value] of Object.entries(resources)) {
            await call(registry.setResource, uri, id, value);
        }
        log('created %s with resources %s', uri, Object.keys(resources).join(','));
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers for server-initiated requests (the library calls them after it has updated its
// registry; the callback's second argument, if any, overrides the value returned by a Read).

let deviceInfo = null;      // what register() returned: { currentHost, currentPort, location, serverInfo }
let stopping = false;

function setHandlers(info) {
    client.setHandler(info.serverInfo, 'read', (objectType, objectId, resourceId, value, cb) => {
        log('server Read /%s/%s/%s -> %j', objectType, objectId, resourceId, value);
        cb(null);
    });
    client.setHandler(info.serverInfo, 'write', (objectType, objectId, resourceId, value, cb) => {
        log('server Write /%s/%s/%s = %j', objectType, objectId, resourceId, value);
        cb(null);
        if (objectType === '1' && objectId === '0' && resourceId === '1' && /^\d+$/.test(value)
            && Number(value) > 0 && value !== config.client.lifetime) {
            // Lifetime changed: the next Update carries the new lt.
            config.client.lifetime = value;
            scheduleUpdates();
            setImmediate(sendUpdate);
        }
    });
    client.setHandler(info.serverInfo, 'execute', (objectType, objectId, resourceId, args, cb) => {
        log('server Execute /%s/%s/%s args %j', objectType, objectId, resourceId, args);
        cb(null);
        if (objectType === '1' && objectId === '0' && resourceId === '8') {
            // Registration Update Trigger: send an Update once the 2.04 has gone out.
            setImmediate(sendUpdate);
        }
    });
}

// The library never sends an Update by itself; like any application using it, the launcher
// refreshes the registration before the lifetime runs out (at 90 % of it).
let updateTimer = null;
function scheduleUpdates() {
    if (updateTimer) {
        clearInterval(updateTimer);
    }
    const periodMs = Math.max(1000, Math.floor(Number(config.client.lifetime) * 900));
    updateTimer = setInterval(sendUpdate, periodMs);
}

function sendUpdate() {
    if (!deviceInfo || stopping) {
        return;
    }
    log('sending Update to %s', deviceInfo.location);
    client.update(deviceInfo, (err, info) => {
        if (err) {
            log('Update failed: %s', err.message || err);
            return;
        }
        deviceInfo = info;
        setHandlers(info);   // update() starts a new listener on the new source port
        log('Update done; listening for server requests on port %s', info.serverInfo && info.serverInfo.server
            && info.serverInfo.server._sock ? info.serverInfo.server._sock.address().port : '?');
    });
}

// ---------------------------------------------------------------------------------------------
// Shut-down: De-register (bounded), then exit 0. A second signal exits at once.

function shutdown(signal) {
    if (stopping) {
        log('%s again: exiting now', signal);
        process.exit(0);
    }
    stopping = true;
    if (!deviceInfo) {
        log('%s before the registration completed: nothing to De-register, exiting', signal);
        process.exit(0);
    }
    log('%s: De-registering (DELETE %s), waiting at most %d ms', signal, deviceInfo.location, DEREGISTER_TIMEOUT_MS);
    const timer = setTimeout(() => {
        log('no De-register response within %d ms, exiting anyway', DEREGISTER_TIMEOUT_MS);
        process.exit(0);
    }, DEREGISTER_TIMEOUT_MS);
    client.unregister(deviceInfo, (err) => {
        clearTimeout(timer);
        if (err) {
            log('De-register failed: %s', err.message || err);
        } else {
            log('De-registered');
        }
        process.exit(0);
    });
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// ---------------------------------------------------------------------------------------------

async function main() {
    await call(client.init, config);
    await fillRegistry();
    // Current Time changes every second, as on a real device (this also drives the library's
    // on-change Observe notifications for /3/0/13).
    setInterval(() => {
        registry.setResource('/3/0', '13', unixNow(), () => {});
    }, 1000).unref();

    log('registering %s with coap://%s:%d (lt=%d)', opts.endpoint,
        opts.family === 'udp6' ? `[${opts.host}]` : opts.host, opts.port, opts.lifetime);
    let info;
    try {
        info = await new Promise((resolve, reject) => {
            client.register(opts.host, opts.port, undefined, opts.endpoint, (err, result) => (err ? reject(err) : resolve(result)));
        });
    } catch (err) {
        die(1, 'registration failed: %s%s', err.name ? err.name + ': ' : '', err.message || err);
    }
    if (stopping) {
        return;
    }
    deviceInfo = info;
    setHandlers(info);
    scheduleUpdates();
    log('registered: location %s; listening for server requests on %s:%d', info.location, opts.localAddress,
        info.localPort);
}

main().catch((err) => die(1, '%s', err && err.stack ? err.stack : err));

// Keep the process alive in every state (e.g. between closing the registration socket and
// opening the listener); it ends only through a signal or an error.
setInterval(() => {}, 1 << 30);
