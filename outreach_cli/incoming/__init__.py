"""Incoming mail (SPEC I1-I7): read raw mail from a source, parse it, classify it, match it.

    parse.parse(raw) -> IncomingMail                           headers, ids, DSN details
    classify.classify(mail) -> Classification                  bounce (hard/soft), auto_reply, reply
    match.match(mail, classification, by_message_id, open_threads_for_sender) -> Match
    source.open_source(kind, **settings).fetch(cursor, known) -> Batch of Fetched(key, raw)

Nothing here touches the database; the services do. Modules are imported only when used.
"""
