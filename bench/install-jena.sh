#!/bin/sh
# Install Apache Jena's `shacl` command (Debian libapache-jena-java) for
# bench/validate_bench.py, the third SHACL reference. Idempotent: does nothing
# when `shacl` (or the Jena jars) is already there. Never fails the caller's
# make target: without Jena the bench prints why and skips that column.
#
#   sh bench/install-jena.sh
set -u

jena_present() {
    command -v shacl >/dev/null 2>&1 && return 0
    ls /usr/share/java/jena-shacl*.jar >/dev/null 2>&1
}

if jena_present; then
    echo "install-jena: Apache Jena already installed ($(command -v shacl || echo /usr/share/java/jena-shacl.jar))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-jena: no apt-get here; install Apache Jena (the shacl command) by hand" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo -n"
else
    SUDO=""
fi

start=$(date +%s)
echo "install-jena: apt-get install -y --no-install-recommends libapache-jena-java"
if ! $SUDO apt-get install -y --no-install-recommends libapache-jena-java; then
    # The package lists may be missing or stale: update once and retry.
    $SUDO apt-get update -qq && $SUDO apt-get install -y --no-install-recommends libapache-jena-java
fi
end=$(date +%s)

if jena_present; then
    echo "install-jena: installed Apache Jena in $((end - start)) s"
else
    echo "install-jena: could not install libapache-jena-java after $((end - start)) s;" \
        "the bench will run without the Jena column" >&2
fi
exit 0
