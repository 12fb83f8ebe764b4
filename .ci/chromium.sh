#!/usr/bin/env bash
# chromium.sh makes Debian's Chromium and Japanese fonts ready for the browser
# tests of the web UI (internal/web/web_e2e_test.go, which drives
# /usr/bin/chromium with chromedp and takes screenshots that must render
# Japanese).
#
# On a Debian 12 machine, as root, it installs the packages chromium and
# fonts-noto-cjk when they are missing; no browser is downloaded from anywhere
# else. Running it again changes nothing. Progress goes to stderr.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

need=()
if [[ ! -x /usr/bin/chromium ]] || ! installed chromium; then need+=(chromium); fi
if ! installed fonts-noto-cjk; then need+=(fonts-noto-cjk); fi

if ((${#need[@]} == 0)); then
	log "chromium and fonts-noto-cjk are installed"
else
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Refresh the package lists only when the packages cannot be found.
	if ! apt-get install -y "${need[@]}" >&2; then
		apt-get update >&2
		apt-get install -y "${need[@]}" >&2
	fi
fi
/usr/bin/chromium --version >&2
