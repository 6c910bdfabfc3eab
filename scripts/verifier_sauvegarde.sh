#!/usr/bin/env bash
# Proves that a backup restores: saves the database of DATABASE_URL, restores the file into a scratch
# database beside it, and compares every table's row count; then drops the scratch database. Exit 0 when
# every count matches. Run it after setting up the backups, and now and then (the test suite runs it).
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL doit désigner la base PostgreSQL à vérifier}"
ici=$(cd "$(dirname "$0")" && pwd)
base=${DATABASE_URL##*/}
serveur=${DATABASE_URL%/*}
copie="${base}_verif_restauration"
fichier=$(mktemp --suffix=.dump)
media_copie=$(mktemp -d)
trap 'rm -rf "$fichier" "$fichier.media.tar.gz" "$media_copie"; psql -q "$serveur/postgres" -c "DROP DATABASE IF EXISTS \"$copie\"" >/dev/null 2>&1 || true' EXIT

comptes() {
  psql -At "$1" -c "SELECT string_agg(format('%s=%s', table_name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', table_name), false, true, '')))[1]::text), ' ' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
}

"$ici/sauvegarder.sh" "$fichier" >/dev/null
psql -q "$serveur/postgres" -c "DROP DATABASE IF EXISTS \"$copie\"" -c "CREATE DATABASE \"$copie\"" >/dev/null
DATABASE_URL="$serveur/$copie" MEDIA_ROOT="$media_copie" "$ici/restaurer.sh" "$fichier" >/dev/null
avant=$(comptes "$DATABASE_URL")
apres=$(comptes "$serveur/$copie")
if [ "$avant" != "$apres" ]; then
  echo "La restauration diffère de la base d'origine :" >&2
  diff <(tr ' ' '\n' <<<"$avant") <(tr ' ' '\n' <<<"$apres") >&2 || true
  exit 1
fi
media=${MEDIA_ROOT:-$(cd "$ici/.." && pwd)/media}
if [ -d "$media" ]; then
  fichiers() { (cd "$1" && find . -type f -printf '%p %s\n' | sort); }
  if [ "$(fichiers "$media")" != "$(fichiers "$media_copie")" ]; then
    echo "Les fichiers restaurés diffèrent de $media" >&2
    exit 1
  fi
fi
echo "Sauvegarde restaurée à l'identique : $(wc -w <<<"$avant") tables, mêmes nombres de lignes."
