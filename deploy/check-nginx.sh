#!/usr/bin/env bash
# `nginx -t` on deploy/nginx/par-survey.conf, with a throwaway certificate in place of the real
# one, inside a minimal nginx.conf: checks the site's syntax and directives without root files.
set -euo pipefail
cd "$(dirname "$0")"
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=khaosat.example.vn \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
sed -e "s#/etc/letsencrypt/live/khaosat.example.vn#$work#g" \
    -e "s#/var/log/nginx#$work#g" nginx/par-survey.conf > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
    client_body_temp_path $work;
    proxy_temp_path $work;
    include $work/site.conf;
}
CONF
"$NGINX" -t -q -p "$work" -c "$work/nginx.conf"
echo "nginx -t: deploy/nginx/par-survey.conf is valid"
