#!/usr/bin/env bash
# Build the Wakaama example programs for the conformance harness into ./build:
#   lwm2mclient      the LwM2M client example (Security, Server, Access Control, Device,
#                    Connectivity Monitoring, Firmware Update, Location, Connectivity Statistics,
#                    test object 31024)
#   lwm2mserver      the interactive LwM2M Server example (commands on stdin)
#   bootstrapserver  the LwM2M Bootstrap-Server example (provisioning from an .ini file)
# The source is the Eclipse Wakaama tree that the npm package node-red-contrib-lwm2m ships
# (deps/wakatiwai/deps/wakaama), installed exactly as package-lock.json pins it. npm's install
# scripts are skipped (--ignore-scripts): they would build the package's Node.js addon, which the
# harness does not use, and try to download a prebuilt binary first. Needs npm and a C
# compiler (cc). Idempotent: does nothing when build/ is newer than package-lock.json and build.sh.
set -euo pipefail
cd "$(dirname "$0")"
out=build
if [ -x "$out/lwm2mclient" ] && [ -x "$out/lwm2mserver" ] && [ -x "$out/bootstrapserver" ] \
  && [ "$out/.stamp" -nt package-lock.json ] \
  && [ "$out/.stamp" -nt build.sh ]; then
  exit 0
fi
if [ ! -d node_modules/node-red-contrib-lwm2m ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
W=node_modules/node-red-contrib-lwm2m/deps/wakatiwai/deps/wakaama
[ -f "$W/core/liblwm2m.c" ] || { echo "build.sh: no Wakaama source at $W" >&2; exit 1; }
CC=${CC:-cc}
core=(liblwm2m.c uri.c utils.c objects.c tlv.c data.c list.c packet.c transaction.c registration.c
  bootstrap.c management.c observe.c json.c discover.c block1.c er-coap-13/er-coap-13.c)
core=("${core[@]/#/$W/core/}")
shared=(commandline.c platform.c memtrace.c connection.c)
shared=("${shared[@]/#/$W/examples/shared/}")
# The defines are those of the examples' CMakeLists.txt (no DTLS); -w because this is third-party
# code whose warnings are not ours to fix. -fno-strict-aliasing because er-coap-13.c's option
# parser extends a size_t option length through an `unsigned int *`: with GCC's strict aliasing
# (on at -O2/-O3) the extension is lost, and every CoAP option of 13 bytes or more (e.g. an
# `ep=` query with a long Endpoint Client Name) is misparsed (answered 4.00, or a token-less
# 4.02 "Unsupported critical option"); see reports/interop/wakaama.md.
flags=(-O2 -fno-strict-aliasing -g -w -I"$W/core" -I"$W/examples/shared" -DLWM2M_LITTLE_ENDIAN)
mkdir -p "$out"
"$CC" "${flags[@]}" -DLWM2M_CLIENT_MODE -DLWM2M_BOOTSTRAP -DLWM2M_SUPPORT_JSON \
  -o "$out/lwm2mclient" "$W"/examples/client/*.c "${core[@]}" "${shared[@]}"
"$CC" "${flags[@]}" -DLWM2M_SERVER_MODE -o "$out/lwm2mserver" "$W/examples/server/lwm2mserver.c" "${core[@]}" "${shared[@]}"
"$CC" "${flags[@]}" -DLWM2M_BOOTSTRAP_SERVER_MODE -o "$out/bootstrapserver" \
  "$W"/examples/bootstrap_server/*.c "${core[@]}" "${shared[@]}"
touch "$out/.stamp"
