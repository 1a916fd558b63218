"""The portal: pages under /portal for the people of registered organisations (accounts, sessions, API tokens).

    tables.py    accounts, sessions, set-password links (migration 0009_accounts)
    accounts.py  people: logins, roles, Argon2id passwords, invitations and resets
    sessions.py  server-side sessions behind a cookie, idle and absolute expiry
    csrf.py      per-session form tokens, the sign-in form's token, the Origin check
    throttle.py  failed sign-ins per account and per client address
    web.py       what the routes share: language, rendering, the signed-in person, checked forms, refusal pages
    words.py     what the pages say, in Vietnamese and English
    routes.py    sign-in and sign-out, home, one's own account, set-password links
    admin.py     the organisation's people and API tokens (admins change, every role sees)
"""
