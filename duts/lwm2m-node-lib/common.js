/*
 * What both launchers (launcher.js: the library's client; server-launcher.js: its server) need
 * before they load the library: stderr logging, exit on any unhandled error, and keeping every
 * UDP socket on loopback.
 */
'use strict';

const dgram = require('dgram');
const util = require('util');

/** `log(fmt, ...args)` to stderr, tagged (the harness captures stderr into the trial's log). */
function logger(tag) {
    return (fmt, ...args) => {
        process.stderr.write(`${new Date().toISOString()} [${tag}] ${util.format(fmt, ...args)}\n`);
    };
}

/**
 * Makes any uncaught exception or unhandled rejection print and exit 1, and returns
 * `die(code, fmt, ...args)`: print an error and exit with `code` (2 = bad arguments, 1 = runtime).
 */
function exitOnErrors(log) {
    const die = (code, fmt, ...args) => {
        log('ERROR: ' + fmt, ...args);
        process.exit(code);
    };
    process.on('uncaughtException', (err) => die(1, 'uncaught exception: %s', err && err.stack ? err.stack : err));
    process.on('unhandledRejection', (err) => die(1, 'unhandled rejection: %s', err && err.stack ? err.stack : err));
    return die;
}

/**
 * The library opens its sockets without an address (a coap.Agent binds implicitly on its first
 * send(), a coap server listens on the wildcard address). Every bind that names no address gets
 * `localFor(socket)` instead; Node's implicit bind on send() goes through Socket.prototype.bind too.
 */
function bindUnaddressedTo(localFor) {
    const originalBind = dgram.Socket.prototype.bind;
    dgram.Socket.prototype.bind = function loopbackBind(...args) {
        const local = localFor(this);
        if (args.length === 0 || typeof args[0] === 'function') {
            args.unshift({ port: 0, address: local });
        } else if (args[0] !== null && typeof args[0] === 'object') {
            if (!args[0].address) {
                args[0] = Object.assign({}, args[0], { address: local });
            }
        } else if (typeof args[1] === 'function') {
            args.splice(1, 0, local);
        } else if (!args[1]) {
            args[1] = local;
        }
        return originalBind.apply(this, args);
    };
}

module.exports = { logger, exitOnErrors, bindUnaddressedTo };
