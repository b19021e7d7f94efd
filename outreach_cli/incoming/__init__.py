"""Incoming mail (SPEC I1-I7): read raw mail from a source, parse it, classify it, match it.

    from .source import open_source         # "maildir" | "mbox" | "imap" -> a Source
    batch = open_source(kind, **settings).fetch(cursor, known)   # Fetched(key, raw) for what is new
    mail = parse.parse(raw)                  # IncomingMail: ids, from, subject, date, DSN details
    verdict = classify.classify(mail)        # Classification(kind, hard, status): bounce/auto_reply/reply
    found = match.match(mail, verdict, by_message_id, open_threads_for_sender)
                                             # Match(kind, matched_by, message, thread): the I7 kind

Nothing here touches the database and nothing is imported before it is needed: an idle fetch
(nothing new since the cursor) loads neither `mailbox` nor the `email` parser.
"""
