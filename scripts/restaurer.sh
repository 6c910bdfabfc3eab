#!/usr/bin/env bash
# Restores FILE (made by scripts/sauvegarder.sh) into the PostgreSQL database of DATABASE_URL, replacing what
# it holds. Stop the service first (make serve), restore, then start it again.
#   DATABASE_URL=postgres://fipd@db.interne/fipd scripts/restaurer.sh /sauvegardes/fipd-2026-12-01.dump
set -euo pipefail
fichier=${1:?usage : scripts/restaurer.sh FICHIER}
: "${DATABASE_URL:?DATABASE_URL doit désigner la base PostgreSQL à restaurer}"
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$fichier"
echo "Base restaurée depuis $fichier"
