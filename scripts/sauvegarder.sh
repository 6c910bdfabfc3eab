#!/usr/bin/env bash
# Saves the PostgreSQL database of DATABASE_URL into FILE (pg_dump's custom format, compressed), and the files
# the service stores (MEDIA_ROOT, default media/: the validated versions' PDF and the signed scans) into
# FILE.media.tar.gz beside it.
#   DATABASE_URL=postgres://fipd@db.interne/fipd scripts/sauvegarder.sh /sauvegardes/fipd-$(date +%F).dump
set -euo pipefail
fichier=${1:?usage : scripts/sauvegarder.sh FICHIER}
: "${DATABASE_URL:?DATABASE_URL doit désigner la base PostgreSQL à sauvegarder}"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$fichier"
echo "Sauvegarde écrite : $fichier ($(du -h "$fichier" | cut -f1))"
media=${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}
if [ -d "$media" ]; then
  tar --create --gzip --file="$fichier.media.tar.gz" --directory="$media" .
  echo "Fichiers (PDF validés, scans) écrits : $fichier.media.tar.gz ($(du -h "$fichier.media.tar.gz" | cut -f1))"
fi
