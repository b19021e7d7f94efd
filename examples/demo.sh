#!/usr/bin/env bash
# A month of outreach, played out in seconds on a temporary database with a simulated clock.
set -euo pipefail
DEMO_DIR=$(mktemp -d)
trap 'rm -rf "$DEMO_DIR"' EXIT
export OUTREACH_DB="$DEMO_DIR/outreach.db"
export COLUMNS="${COLUMNS:-80}"

if [ -t 1 ]; then bold=$'\033[1m' dim=$'\033[2m' plain=$'\033[0m'; else bold='' dim='' plain=''; fi
say() { printf '\n%s## %s%s\n' "$bold" "$*" "$plain"; }
# Commands are shown as they could be pasted: an argument with spaces or shell characters is quoted.
shown() {
  local out="" arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./:=@+,%-]+$ ]]; then out+="$arg "; else out+="'${arg//\'/\'\\\'\'}' "; fi
  done
  printf '%s$ %s%s\n' "$dim" "${out% }" "$plain"
}
run() { shown "$@"; "$@"; }
refused() { shown "$@"; if "$@"; then echo "(expected a refusal)"; exit 1; fi; }

say "Monday 30 November 2026, 08:00 in London. Ada is hiring a backend engineer."
run outreach init --seat ada --tz Europe/London --credits 40 --daily-limit 3 --simulated-clock "2026-11-30 08:00"
run outreach seats add ben --tz America/Chicago --credits 0
run outreach contract set --pool 10 --monthly-limit 2 --for ben

say "She imports her shortlist: five engineers in four zones, one with no zone on the profile."
cat > "$DEMO_DIR/shortlist.csv" <<'CSV'
handle,first_name,last_name,company,title,timezone,email
marie-curie,Marie,Curie,Radium Labs,Backend Engineer,Europe/Paris,marie@radium.example
grace-hopper,Grace,Hopper,COBOL Inc,Staff Engineer,America/New_York,grace@cobol.example
alan-turing,Alan,Turing,Bletchley,Engineer,Australia/Sydney,alan@bletchley.example
ramanujan,Srinivasa,Ramanujan,,Platform Engineer,Asia/Kolkata,srinivasa@kolkata.example
ada-byron,Augusta,Byron,Analytical Engines,Engineer,,augusta@engines.example
CSV
run outreach candidates import "$DEMO_DIR/shortlist.csv"

say "Her messages really leave: as email files into an outbox she reviews (smtp would send them)."
run outreach seats set ada --from "Ada Lovelace <ada@acme.example>"
run outreach delivery set outbox --dir "$DEMO_DIR/outbox"
say "Answers come back to her mailbox (a Maildir here; IMAP works the same): tick reads it first."
mkdir -p "$DEMO_DIR/mail/new" "$DEMO_DIR/mail/cur" "$DEMO_DIR/mail/tmp"
run outreach mailbox set maildir --dir "$DEMO_DIR/mail"

say "A two-message template: sent at 09:00 in each candidate's own zone, a nudge 3 days later."
run outreach templates save "Backend role" \
  --subject "{first_name}, a backend role at Acme" \
  --body "Hi {first_name}, your work at {company|your company} caught my eye. Open to a chat?" \
  --followup-subject "Re: backend role" --followup-body "Hi {first_name}, just checking you saw my note." \
  --followup-after 3d --at "2026-12-01 09:00" --tz recipient
run outreach templates list

say "One bulk draft to all five, previewed, then scheduled (2 credits each, charged now)."
cut -d, -f1 "$DEMO_DIR/shortlist.csv" | tail -n +2 > "$DEMO_DIR/handles.txt"
run outreach compose --template "Backend role" --to-file "$DEMO_DIR/handles.txt"
run outreach preview 1
run outreach schedule 1
run outreach credits

say "Ben (Chicago) has an admin monthly limit of 2, paid from the contract pool."
run outreach candidates add linus --first-name Linus --last-name T --company Kernel --tz Europe/Helsinki
run outreach compose --seat ben --to linus --subject "Hi {first_name}" --body "Kernel work at Acme?"
run outreach followup 2 --body "Any interest?" --after 4d
run outreach schedule 2 --at "2026-12-02 10:00" --tz recipient
run outreach compose --seat ben --to marie-curie --subject "Hi" --body "Another role"
refused outreach schedule 3 --now

say "Cron runs tick; here the simulated clock moves a day. Ada may send 3 a day."
run outreach tick --by 1d

say "Marie answers by email within the hour, before her follow-up: the next tick reads it first."
marie_id=$(outreach thread 1 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["messages"][0]["internet_message_id"])')
cat > "$DEMO_DIR/mail/new/1764579600.marie.mx" <<MAIL
From: Marie Curie <marie@radium.example>
To: Ada Lovelace <ada@acme.example>
Subject: Re: Marie, a backend role at Acme
Date: Tue, 01 Dec 2026 09:40:00 +0100
Message-ID: <reply-1@radium.example>
In-Reply-To: $marie_id
References: $marie_id

Hi Ada, yes, happy to talk. Thursday?
MAIL
run outreach tick
say "Her reply is the thread's response: the follow-up is canceled and both her credits came back."
run outreach replies list
run outreach thread 1

say "The admin flags Ben's seat: his scheduled messages will not go (refunded to the pool)."
run outreach seats restrict ben
run outreach tick --by 1d
run outreach inbox --folder awaiting-reply

say "Grace's initial hit Ada's daily limit: Ada reschedules it (charged again, follow-up too)."
run outreach reschedule 3 --at "2026-12-02 09:00"
say "Ada calls Augusta instead, so she cancels Augusta's follow-up."
run outreach cancel 10

say "Four days later the follow-ups have gone to those who have not answered."
run outreach tick --by 4d
run outreach inbox --folder sent

say "Alan answers his follow-up (one credit back); Srinivasa declines his."
run outreach reply 3
run outreach reply 4 --decline

say "The rest of the month: on 30 December the credits refresh (150, capped at 600)."
run outreach tick --to "2026-12-31 09:00"

say "End of the month."
run outreach credits --ledger
run outreach stats
run outreach inbox --folder canceled
run outreach doctor

say "Every message Ada sent is an email file in the outbox, named after its Message-ID; one follow-up:"
run ls "$DEMO_DIR/outbox/new"
followup=$(grep -l '^In-Reply-To:' "$DEMO_DIR"/outbox/new/*.eml | head -n 1)
run cat "$followup"

say "Sending at the right time (W1-W7): Ada sends only on weekdays 09:00-17:00 in each candidate's zone."
run outreach seats set ada --window "Mon-Fri 09:00-17:00" --holidays
run outreach candidates add ada-yonath --first-name Ada --last-name Yonath --tz Asia/Jerusalem --country IL --email ada@weizmann.example
run outreach compose --to ada-yonath --subject "Hi {first_name}" --body "A structural biology role?"
draft=$(outreach --json inbox --folder drafts | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
run outreach followup "$draft" --body "Any interest?" --after 72h
say "Thursday 31 December, 09:00 London: the follow-up would land on a Sunday; the window moves it to Monday."
run outreach schedule "$draft" --now
say "--at best: the hour of the week that has answered Ada best, smoothed so that luck cannot win."
run outreach stats --by hour
run outreach compose --to grace-hopper --subject "Hello again {first_name}" --body "A new role"
draft=$(outreach --json inbox --folder drafts | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
run outreach --json schedule "$draft" --at best
