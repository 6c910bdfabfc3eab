#!/usr/bin/env bash
# Restores FILE (made by scripts/sauvegarder.sh) into the PostgreSQL database of DATABASE_URL, replacing what
# it holds, and the stored files of FILE.media.tar.gz (if any) into MEDIA_ROOT (default media/). Stop the
# service first (make serve), restore, then start it again.
#   DATABASE_URL=postgres://fipd@db.interne/fipd scripts/restaurer.sh /sauvegardes/fipd-2026-12-01.dump
set -euo pipefail
fichier=${1:?usage : scripts/restaurer.sh FICHIER}
: "${DATABASE_URL:?DATABASE_URL doit désigner la base PostgreSQL à restaurer}"
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$fichier"
echo "Base restaurée depuis $fichier"
if [ -f "$fichier.media.tar.gz" ]; then
  media=${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}
  mkdir -p "$media"
  tar --extract --gzip --file="$fichier.media.tar.gz" --directory="$media"
  echo "Fichiers restaurés dans $media"
fi
