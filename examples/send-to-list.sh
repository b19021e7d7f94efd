#!/usr/bin/env bash
# Schedule one personalised message (with a follow-up) to every handle in a file, then print
# "handle<TAB>thread id" for each recipient, read back from the --json contract.
#
#   examples/send-to-list.sh handles.txt "2026-12-01 09:00"
#
# Needs: outreach on PATH, python3 (to read the JSON; jq works just as well).
set -euo pipefail
handles=${1:?usage: send-to-list.sh HANDLES_FILE WHEN}
when=${2:?usage: send-to-list.sh HANDLES_FILE WHEN}

# Print one field of the JSON document on stdin; a refusal ({"error": ...}) has already said why on
# stderr, so print nothing and fail.
json_field() { python3 -c '
import json, sys
doc = json.load(sys.stdin)
if not isinstance(doc, dict) or "error" in doc:
    sys.exit(1)
print(doc[sys.argv[1]])' "$1"; }

draft=$(outreach compose --json --to-file "$handles" \
          --subject "{first_name}, a role at Acme" \
          --body "Hi {first_name}, your work at {company|your company} caught my eye. Open to a chat?" \
        | json_field id)

# A refusal (no credits, an opted-out candidate, a missing {company}...) exits 1 with one sentence on
# stderr and changes nothing; the draft made above is then discarded, so the script leaves nothing behind.
discard_draft() { outreach cancel --draft "$draft" --json >/dev/null || true; }
trap discard_draft ERR

outreach followup "$draft" --json --body "Hi {first_name}, just checking you saw my note." --after 5d >/dev/null
result=$(outreach schedule "$draft" --json --at "$when" --tz recipient)
trap - ERR
python3 -c 'import json,sys
for t in json.load(sys.stdin)["threads"]:
    print(t["candidate"], t["id"], sep="\t")' <<<"$result"
