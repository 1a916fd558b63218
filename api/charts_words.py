"""The charts' words in Vietnamese and English, for the portal's page of figures and the log's public one."""

from datetime import date

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "switch": "English", "table": "Bảng số liệu",
        "log_title": "Số liệu sổ cái",
        "log_intro": "Sổ cái tăng thêm bao nhiêu mục mỗi ngày, và các nhân chứng độc lập theo kịp đến đâu.",
        "growth": "Số mục ghi vào sổ cái mỗi ngày, {n} ngày gần nhất",
        "growth_day": "Ngày", "growth_entries": "Số mục", "growth_axis": "Số mục mỗi ngày",
        "growth_empty": "Chưa có mục nào được ghi vào sổ cái trong {n} ngày gần nhất.",
        "growth_total": "Số mục trong {days} ngày gần nhất: {n}; cả sổ cái: {size}.",
        "lag": "Độ trễ của các nhân chứng so với điểm kiểm tra mới nhất",
        "lag_note": "Điểm kiểm tra mới nhất có {n} mục. Độ trễ là số mục mà nhân chứng chưa ký xác nhận.",
        "lag_witness": "Nhân chứng", "lag_size": "Điểm kiểm tra đã ký", "lag_behind": "Số mục chậm hơn",
        "lag_at": "Thời điểm ký", "lag_axis": "Số mục chậm hơn điểm kiểm tra mới nhất",
        "lag_empty": "Chưa có nhân chứng độc lập nào ký xác nhận điểm kiểm tra của sổ cái này.",
        "audit_link": "Báo cáo kiểm toán sổ cái", "log": "Sổ cái",
        "portal_title": "Số liệu",
        "portal_none": "Tổ chức của bạn chưa có vai trò sản xuất, quản lý chỉ dẫn địa lý hay sở hữu nhãn hiệu, nên "
                       "chưa có số liệu nào để hiển thị.",
        "quota": "Hạn mức đã dùng của từng quyền sử dụng",
        "quota_right": "Quyền sử dụng", "quota_used": "Đã dùng", "quota_allowed": "Hạn mức",
        "quota_percent": "Tỷ lệ đã dùng", "quota_status": "Tình trạng", "quota_axis": "Phần trăm hạn mức đã dùng",
        "quota_none": "không giới hạn", "quota_empty": "Chưa có quyền sử dụng nào.",
        "quota_note": "Chỉ vẽ các quyền có hạn mức; đường gạch đỏ là 100 phần trăm.",
        "status_active": "đang hiệu lực", "status_suspended": "bị đình chỉ", "status_revoked": "bị thu hồi",
        "batches": "Số lô sản xuất mỗi tháng, trong {n} tháng tính đến tháng có lô mới nhất",
        "batches_month": "Tháng", "batches_count": "Số lô", "batches_axis": "Số lô",
        "batches_empty": "Chưa có lô hàng nào.",
        "scans": "Lượt quét theo tỉnh nơi sản xuất và cảnh báo, {n} ngày gần nhất",
        "scans_note": "Vùng là tỉnh nơi lô hàng được sản xuất: máy chủ không lưu nơi người quét ở. Cảnh báo là sản "
                      "phẩm bị quét bởi từ {readers} người trở lên trong từ {days} ngày trở lên.",
        "scans_province": "Tỉnh", "scans_count": "Lượt quét", "scans_items": "Sản phẩm được quét",
        "scans_warned": "Sản phẩm bị cảnh báo", "scans_axis": "Số lượt, số sản phẩm",
        "scans_empty": "Chưa có lượt quét nào trong {n} ngày gần nhất.",
        "of": "{a} — {b}",
    },
    "en": {
        "switch": "Tiếng Việt", "table": "Table of the figures",
        "log_title": "The log in figures", "log_intro": "How the log grows, and how closely its witnesses follow it.",
        "growth": "Entries written to the log per day, last {n} days",
        "growth_day": "Day", "growth_entries": "Entries", "growth_axis": "Entries per day",
        "growth_empty": "No entry was written to the log in the last {n} days.",
        "growth_total": "Entries in the last {days} days: {n}; in the whole log: {size}.",
        "lag": "How far the witnesses are behind the latest checkpoint",
        "lag_note": "Entries in the latest checkpoint: {n}. The lag is the entries a witness has not cosigned yet.",
        "lag_witness": "Witness", "lag_size": "Checkpoint cosigned", "lag_behind": "Entries behind",
        "lag_at": "Cosigned at", "lag_axis": "Entries behind the latest checkpoint",
        "lag_empty": "No witness has cosigned a checkpoint of this log yet.",
        "audit_link": "The log's audit report", "log": "The log",
        "portal_title": "Figures",
        "portal_none": "Your organisation is not a producer, a GI authority or a mark owner, so there are no "
                       "figures to show yet.",
        "quota": "Quota used of each right of use",
        "quota_right": "Right of use", "quota_used": "Used", "quota_allowed": "Quota",
        "quota_percent": "Share used", "quota_status": "Status", "quota_axis": "Percent of the quota used",
        "quota_none": "no limit", "quota_empty": "No right of use yet.",
        "quota_note": "Only rights with a quota are drawn; the dashed red line is 100 percent.",
        "status_active": "in force", "status_suspended": "suspended", "status_revoked": "revoked",
        "batches": "Batches produced per month, over the {n} months up to the latest batch",
        "batches_month": "Month", "batches_count": "Batches", "batches_axis": "Batches",
        "batches_empty": "No batch yet.",
        "scans": "Scans by province of production, and warnings, last {n} days",
        "scans_note": "The region is the province where the batch was produced: the server does not store where "
                      "readers are. A warning is an item scanned by {readers} readers or more on {days} days or more.",
        "scans_province": "Province", "scans_count": "Scans", "scans_items": "Items scanned",
        "scans_warned": "Items warned about", "scans_axis": "Scans, items",
        "scans_empty": "No scan in the last {n} days.",
        "of": "{a} — {b}",
    },
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month(value: str, lang: str, short: bool = False) -> str:
    """A month (YYYY-MM) as people write it: "12/2026" ("tháng 12/2026" in full) or "Dec 2026"."""
    year, number = value.split("-")
    if lang == "vi":
        return f"{number}/{year}" if short else f"tháng {number}/{year}"
    return f"{_MONTHS_EN[int(number) - 1]} {year}"


def day_short(value: str, lang: str) -> str:
    """A day (YYYY-MM-DD) on a chart's axis: "08/12" or "8 Dec"."""
    when = date.fromisoformat(value)
    return f"{when.day:02d}/{when.month:02d}" if lang == "vi" else f"{when.day} {_MONTHS_EN[when.month - 1]}"
