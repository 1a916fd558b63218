"""What the portal's pages say, in Vietnamese (the default) and English: one key, the same sense in both."""

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English", "portal": "Cổng thông tin",
        "nav_home": "Trang chính", "nav_users": "Người dùng", "nav_tokens": "Mã truy cập API",
        "nav_account": "Tài khoản", "sign_out": "Đăng xuất",
        "login_title": "Đăng nhập", "login": "Tên đăng nhập", "login_hint": "Tên người dùng hoặc địa chỉ thư điện tử",
        "password": "Mật khẩu", "sign_in": "Đăng nhập",
        "login_intro": "Dành cho người của các tổ chức đã đăng ký trong sổ: nhà sản xuất, hiệp hội, cơ quan quản lý.",
        "wrong": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "locked": "Đã nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút, từ {time}.",
        "signed_out": "Bạn đã đăng xuất.",
        "signed_out_everywhere": "Bạn đã đăng xuất trên mọi thiết bị.",
        "expired": "Phiên làm việc đã hết hạn hoặc bạn chưa đăng nhập. Hãy đăng nhập lại.",
        "forged": "Biểu mẫu này không gửi từ trang của cổng thông tin, hoặc đã quá cũ. Hãy mở lại trang và gửi lại.",
        "forbidden_title": "Không được phép",
        "forbidden": "Chỉ quản trị viên của tổ chức mới được làm việc này. Không có gì bị thay đổi.",
        "not_found_title": "Không tìm thấy",
        "not_found": "Tổ chức của bạn không có mục này. Không có gì bị thay đổi.",
        "refused_title": "Không thực hiện được",
        "back": "Quay lại",
        "hello": "Xin chào, {login}", "organisation": "Tổ chức", "role": "Vai trò",
        "role_admin": "Quản trị viên", "role_clerk": "Nhân viên nhập liệu", "role_viewer": "Người xem",
        "home_intro": "Từ đây bạn quản lý người dùng và mã truy cập API của tổ chức.",
        "home_viewer": "Bạn có thể xem danh sách người dùng và mã truy cập API; chỉ quản trị viên được thay đổi.",
        "users_title": "Người dùng của tổ chức", "status": "Trạng thái", "since": "Tạo lúc",
        "active": "Đang hoạt động", "disabled": "Đã khóa", "awaiting": "Chờ đặt mật khẩu",
        "you": "(bạn)", "actions": "Thao tác",
        "invite_title": "Mời người mới", "invite": "Tạo tài khoản và liên kết đặt mật khẩu",
        "change_role": "Đổi vai trò", "reset": "Đặt lại mật khẩu", "disable": "Khóa", "enable": "Mở khóa",
        "link_title": "Liên kết đặt mật khẩu",
        "link_once": "Gửi liên kết này cho {login}. Liên kết chỉ hiện một lần, dùng được một lần, trong 3 ngày.",
        "reset_note": "Mật khẩu cũ của {login} đã bị xóa và mọi phiên đăng nhập của người này đã kết thúc.",
        "tokens_title": "Mã truy cập API của tổ chức",
        "tokens_intro": "Chương trình của tổ chức dùng mã này để ghi vào sổ qua API "
        "(Authorization: Bearer …). Sổ chỉ giữ bản băm của mã.",
        "label": "Ghi chú", "prefix": "Phần đầu", "created": "Tạo lúc", "revoked": "Thu hồi lúc",
        "no_tokens": "Tổ chức chưa có mã truy cập nào.",
        "create_token": "Tạo mã truy cập", "revoke": "Thu hồi",
        "token_title": "Mã truy cập mới",
        "token_once": "Hãy chép mã này ngay: nó chỉ hiện một lần. Sổ chỉ giữ bản băm, không ai xem lại được.",
        "account_title": "Tài khoản của bạn", "change_password": "Đổi mật khẩu",
        "current_password": "Mật khẩu hiện tại", "new_password": "Mật khẩu mới",
        "repeat_password": "Nhập lại mật khẩu mới",
        "password_rule": "Từ 8 đến 256 ký tự.",
        "password_changed": "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.",
        "wrong_current": "Mật khẩu hiện tại không đúng.",
        "mismatch": "Hai lần nhập mật khẩu mới không giống nhau.",
        "everywhere_title": "Đăng xuất trên mọi thiết bị",
        "everywhere_note": "Kết thúc mọi phiên đăng nhập của bạn, kể cả phiên này, ví dụ khi mất điện thoại.",
        "everywhere": "Đăng xuất trên mọi thiết bị",
        "set_title": "Đặt mật khẩu", "set_for": "Đặt mật khẩu cho tài khoản {login}.",
        "set_done": "Đã đặt mật khẩu. Bây giờ bạn có thể đăng nhập.",
        "bad_link": "Liên kết này không dùng được: đã dùng rồi, đã hết hạn hoặc không đúng. Hãy xin quản trị viên "
        "của tổ chức một liên kết mới.",
        "done_role": "Đã đổi vai trò.", "done_disabled": "Đã khóa tài khoản và kết thúc các phiên đăng nhập của "
        "người này.", "done_enabled": "Đã mở khóa tài khoản.", "done_revoked": "Đã thu hồi mã truy cập.",
        "self_refused": "Bạn không thể tự đổi vai trò hay tự khóa tài khoản của mình. Không có gì bị thay đổi.",
        "viewer_refused": "Người xem không được ghi vào sổ. Hãy nhờ quản trị viên hoặc nhân viên nhập liệu của tổ "
        "chức. Không có gì được ghi.",
        "role_refused": "Tổ chức của bạn không có vai trò để làm việc này. Không có gì được ghi.",
        "form_refused": "Chưa ghi được vào sổ. Hãy sửa những chỗ được chỉ ra rồi gửi lại.",
    },
    "en": {
        "switch": "Tiếng Việt", "portal": "Portal",
        "nav_home": "Home", "nav_users": "People", "nav_tokens": "API tokens",
        "nav_account": "Account", "sign_out": "Sign out",
        "login_title": "Sign in", "login": "Login", "login_hint": "A user name or an e-mail address",
        "password": "Password", "sign_in": "Sign in",
        "login_intro": "For the people of organisations registered in the registry: producers, associations, "
        "authorities.",
        "wrong": "Wrong login or password.",
        "locked": "Too many failed attempts. Try again in {minutes} minutes, from {time}.",
        "signed_out": "You are signed out.",
        "signed_out_everywhere": "You are signed out on every device.",
        "expired": "Your session has ended, or you have not signed in. Please sign in again.",
        "forged": "This form was not sent from the portal's own page, or is too old. Open the page again and resend "
        "it.",
        "forbidden_title": "Not allowed",
        "forbidden": "Only an administrator of the organisation may do this. Nothing was changed.",
        "not_found_title": "Not found",
        "not_found": "Your organisation has no such item. Nothing was changed.",
        "refused_title": "Could not be done",
        "back": "Back",
        "hello": "Hello, {login}", "organisation": "Organisation", "role": "Role",
        "role_admin": "Administrator", "role_clerk": "Clerk", "role_viewer": "Viewer",
        "home_intro": "From here you manage your organisation's people and API tokens.",
        "home_viewer": "You can see the people and the API tokens; only an administrator may change them.",
        "users_title": "People of the organisation", "status": "Status", "since": "Created",
        "active": "Active", "disabled": "Disabled", "awaiting": "Waiting for a password",
        "you": "(you)", "actions": "Actions",
        "invite_title": "Invite someone", "invite": "Create the account and a set-password link",
        "change_role": "Change role", "reset": "Reset password", "disable": "Disable", "enable": "Enable",
        "link_title": "Set-password link",
        "link_once": "Send this link to {login}. It is shown once and works once, for 3 days.",
        "reset_note": "The old password of {login} is erased and all of their sessions have ended.",
        "tokens_title": "API tokens of the organisation",
        "tokens_intro": "Your organisation's programs write to the registry with a token "
        "(Authorization: Bearer …). The registry keeps only its hash.",
        "label": "Label", "prefix": "Starts with", "created": "Created", "revoked": "Revoked",
        "no_tokens": "The organisation has no API token yet.",
        "create_token": "Create a token", "revoke": "Revoke",
        "token_title": "New API token",
        "token_once": "Copy this token now: it is shown once. The registry keeps only its hash; nobody can show it "
        "again.",
        "account_title": "Your account", "change_password": "Change password",
        "current_password": "Current password", "new_password": "New password",
        "repeat_password": "New password again",
        "password_rule": "8 to 256 characters.",
        "password_changed": "Password changed. Your other sessions have ended.",
        "wrong_current": "The current password is wrong.",
        "mismatch": "The two new passwords differ.",
        "everywhere_title": "Sign out everywhere",
        "everywhere_note": "Ends all of your sessions, this one too: for instance when a phone is lost.",
        "everywhere": "Sign out everywhere",
        "set_title": "Set your password", "set_for": "Set the password of the account {login}.",
        "set_done": "Your password is set. You can sign in now.",
        "bad_link": "This link cannot be used: it was used already, has expired or is wrong. Ask an administrator "
        "of your organisation for a new one.",
        "done_role": "Role changed.", "done_disabled": "Account disabled; their sessions have ended.",
        "done_enabled": "Account enabled.", "done_revoked": "Token revoked.",
        "self_refused": "You cannot change your own role or disable your own account. Nothing was changed.",
        "viewer_refused": "A viewer may not write to the registry. Ask an administrator or a clerk of your "
        "organisation. Nothing was recorded.",
        "role_refused": "Your organisation does not have the role this needs. Nothing was recorded.",
        "form_refused": "Nothing was recorded yet. Correct what is marked and send the form again.",
    },
}

DONE = {"role", "disabled", "enabled", "revoked", "signed_out", "signed_out_everywhere", "set_done",
        "password_changed"}
"""Notices a page shows after a redirect (`?done=…`): only these keys, so a link cannot make a page say anything."""


def extend(more: dict[str, dict[str, str]], done: tuple[str, ...] = ()) -> None:
    """Add the words of one part of the portal (kept in that part's module): the same keys in both languages, and
    none that another part already uses. `done` are its keys that may be notices after a redirect."""
    if more["vi"].keys() != more["en"].keys():
        raise ValueError(f"keys in one language only: {sorted(more['vi'].keys() ^ more['en'].keys())}")
    taken = TEXT["vi"].keys() & more["vi"].keys()
    if taken:
        raise ValueError(f"keys already used: {sorted(taken)}")
    for lang, words in more.items():
        TEXT[lang].update(words)
    DONE.update(done)
