#!/usr/bin/env bash
# The real syslog senders of test/syslog (issue #19): Debian's rsyslog (with its OpenSSL stream
# driver) and syslog-ng. Both packages declare `Conflicts: system-log-daemon`, so apt cannot
# install them side by side (and installing either would start a system logger): their libraries
# are installed with apt-get, the two packages themselves are fetched with `apt-get download` and
# unpacked into .ci-debs/root, from where the tests run them as ordinary processes.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
deps=(libestr0 libfastjson4 liblognorm5 libuuid1 libzstd1 zlib1g libssl3 libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 libwrap0)
if ! dpkg -s "${deps[@]}" >/dev/null 2>&1; then
  apt-get install -y -qq "${deps[@]}" >/dev/null || { apt-get update -qq && apt-get install -y -qq "${deps[@]}" >/dev/null; }
fi
if [ ! -x .ci-debs/root/usr/sbin/rsyslogd ] || [ ! -x .ci-debs/root/usr/sbin/syslog-ng ]; then
  rm -rf .ci-debs && mkdir -p .ci-debs/download .ci-debs/root
  chmod 777 .ci-debs/download
  (cd .ci-debs/download && apt-get download rsyslog rsyslog-openssl syslog-ng-core 2>/dev/null ||
    { apt-get update -qq && apt-get download rsyslog rsyslog-openssl syslog-ng-core; })
  for deb in .ci-debs/download/*.deb; do dpkg-deb -x "$deb" .ci-debs/root; done
fi
