#!/usr/bin/env bash
# Refresh every zh_Hans catalogue: one per app (<app>/locale) and one for the project (locale/:
# templates/, core/ and jiangmen_portal/); settings.LOCALE_PATHS routes each file to its catalogue.
# Then fill the new msgstr entries and run
#   DEBUG=1 .venv/bin/python manage.py compilemessages -l zh_Hans -i .venv
# tests/test_i18n.py fails while any entry is untranslated or fuzzy.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans --no-obsolete \
  -i ".venv/*" -i "tests/*" -i "static/*" -i "node_modules/*" -i "staticfiles/*" -i "media/*" -i "scripts/*"
