"""The portal: pages under /portal for the people of registered organisations (accounts, sessions, API tokens).

    tables.py    accounts, sessions, set-password links (migration 0009_accounts)
    accounts.py  people: logins, roles, Argon2id passwords, invitations and resets
    sessions.py  server-side sessions behind a cookie, idle and absolute expiry
    csrf.py      per-session form tokens, the sign-in form's token, the Origin check
    throttle.py  failed sign-ins per account and per client address
    routes.py    sign-in, home, own account; admin.py: users and API tokens of the organisation
"""
