#!/usr/bin/env bash
# Saves the PostgreSQL database of DATABASE_URL into FILE (pg_dump's custom format, compressed).
#   DATABASE_URL=postgres://fipd@db.interne/fipd scripts/sauvegarder.sh /sauvegardes/fipd-$(date +%F).dump
set -euo pipefail
fichier=${1:?usage : scripts/sauvegarder.sh FICHIER}
: "${DATABASE_URL:?DATABASE_URL doit désigner la base PostgreSQL à sauvegarder}"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$fichier"
echo "Sauvegarde écrite : $fichier ($(du -h "$fichier" | cut -f1))"
