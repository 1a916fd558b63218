"""The consumer page's words in Vietnamese and English: labels (`TEXT`), and the registry's codes for what
happened to a batch (CBV 2.0 business steps and dispositions) and for statement kinds, in words."""

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "authentic": "Chính hãng", "warning": "Cảnh báo", "recalled": "Đã bị thu hồi", "invalid": "Không hợp lệ",
        "unknown": "Không xác định",
        "authentic_note": "Mọi thông tin về lô hàng này khớp với sổ đăng ký công khai.",
        "warning_note": "Sản phẩm có trong sổ đăng ký, nhưng cần lưu ý:",
        "recalled_note": "Không ăn, không dùng sản phẩm này.",
        "invalid_note": "Thông tin trên nhãn không khớp với sổ đăng ký.",
        "unknown_note": "Mã này không có trong sổ đăng ký. Hãy cẩn thận: sản phẩm có thể là hàng giả.",
        "recalled_by": "{who} đã thu hồi lô hàng này ngày {on}. Lý do: {reason}",
        "also": "Ngoài ra:", "found": "Điều đã phát hiện", "todo": "Bạn nên làm gì",
        "warning_todo": "Hãy hỏi lại người bán trước khi mua hoặc dùng.",
        "recalled_stop": "Ngừng sử dụng ngay, kể cả khi sản phẩm trông vẫn bình thường.",
        "recalled_return": "Mang trả sản phẩm cho nơi đã bán để được đổi hoặc hoàn tiền.",
        "recalled_ask": "Hỏi nhà sản xuất: {producer}.",
        "invalid_keep": "Đừng mua hoặc dùng sản phẩm này như hàng chính hãng; nếu đã mua, hãy giữ lại sản phẩm, "
        "nhãn và hóa đơn.",
        "report": "Báo cho: {contact}.",
        "about": "Về sản phẩm này", "product": "Sản phẩm", "producer": "Nhà sản xuất", "origin": "Xuất xứ",
        "codes": "Mã trên nhãn",
        "lot": "Lô", "serial": "Số sê-ri", "quantity": "Số lượng của lô", "produced_on": "Ngày sản xuất",
        "registered_on": "Ngày đăng ký lô", "licence": "Mã doanh nghiệp GS1 {prefix} do {agency} cấp cho {licensee}",
        "claims": "Chỉ dẫn địa lý và nhãn hiệu", "gi": "Chỉ dẫn địa lý", "collective": "Nhãn hiệu tập thể",
        "certification": "Nhãn hiệu chứng nhận", "certificate": "văn bằng số {number}", "manager": "quản lý",
        "owner": "chủ sở hữu", "status_at_production": "Vào ngày sản xuất", "status_at_registration":
        "Vào ngày đăng ký lô", "valid": "còn hiệu lực", "suspended": "bị đình chỉ", "revoked": "bị thu hồi",
        "not-in-force": "không có hiệu lực", "cancelled": "đã bị hủy", "no-right": "không có quyền sử dụng",
        "reinstated": "được khôi phục", "right": "Quyết định về quyền sử dụng",
        "right_change": "{action} từ ngày {effective}, theo quyết định của {who} "
        "ngày {decided}: {reason}", "certifications": "Chứng nhận", "pass": "đạt", "fail": "không đạt",
        "certified_by": "{result}, do {who} chứng nhận, hiệu lực đến {until}", "expired": "đã hết hiệu lực",
        "not-yet-valid": "chưa có hiệu lực", "journey": "Hành trình", "made_from": "Được làm từ",
        "became": "Đã được dùng để làm", "produced": "Sản xuất", "by": "do {who}", "route": "từ {source} đến {to}",
        "received_route": "{to} nhận từ {source}",
        "to_only": "đến {to}", "from_only": "từ {source}", "recalled_item": "đã bị thu hồi ngày {on}",
        "used": "dùng {amount}", "history": "Lịch sử đính chính",
        "history_note": "Những thông tin dưới đây đã bị rút lại nên không còn hiệu lực và không ảnh hưởng tới kết "
        "quả kiểm tra; sổ cái vẫn lưu giữ chúng.", "said": "{kind}, do {who} ghi ngày {on}",
        "retracted": "bị {who} rút lại ngày {on}: {reason}",
        "evidence": "Bằng chứng",
        "evidence_note": "Các thông tin trên trang này được ghi trong sổ cái công khai ({entries} mục), có chữ ký "
        "của sổ cái", "witnessed": " và được {count} nhân chứng độc lập ký xác nhận.",
        "unwitnessed": "; chưa có nhân chứng độc lập nào ký xác nhận.",
        "details": "Chi tiết kỹ thuật cho người kiểm tra",
        "details_note": "Mỗi thông tin là một mục của sổ cái chỉ-ghi-thêm, có mã băm SHA-256 và bằng chứng Merkle "
        "(RFC 9162) dẫn tới điểm kiểm tra đã ký bên dưới. Ai cũng có thể tự kiểm chứng mà không cần tin máy chủ: tải "
        "tài liệu JSON, kiểm tra chữ ký điểm kiểm tra bằng khóa công khai của sổ cái và kiểm tra từng bằng chứng.",
        "checks": "Các bước kiểm tra", "entries": "Các mục được dựa vào", "entry": "Mục",
        "checkpoint": "Điểm kiểm tra đã ký", "json": "Tài liệu kiểm chứng (JSON)", "key": "Khóa công khai của sổ cái",
        "commune_code": "Mã xã {code} theo danh mục ngày {version}", "switch": "English",
        "not_found_title": "Không tìm thấy mã", "producer_record": "hồ sơ trong sổ đăng ký",
    },
    "en": {
        "authentic": "Authentic", "warning": "Warning", "recalled": "Recalled", "invalid": "Not valid",
        "unknown": "Unknown",
        "authentic_note": "Everything recorded about this batch matches the public registry.",
        "warning_note": "This product is registered, but note:",
        "recalled_note": "Do not eat or use this product.",
        "invalid_note": "What the label claims does not match the registry.",
        "unknown_note": "This code is not in the registry. Be careful: the product may be counterfeit.",
        "recalled_by": "{who} recalled this batch on {on}. Reason: {reason}",
        "also": "Also:", "found": "What was found", "todo": "What to do",
        "warning_todo": "Ask the seller before you buy or use it.",
        "recalled_stop": "Stop using it now, even if it looks fine.",
        "recalled_return": "Take it back to where you bought it for an exchange or a refund.",
        "recalled_ask": "Ask the producer: {producer}.",
        "invalid_keep": "Do not buy or use it as the genuine product; if you bought it, keep the product, its label "
        "and the receipt.",
        "report": "Report it to {contact}.",
        "about": "About this product", "product": "Product", "producer": "Producer", "origin": "Origin",
        "codes": "Codes on the label",
        "lot": "Lot", "serial": "Serial", "quantity": "Size of the batch", "produced_on": "Produced on",
        "registered_on": "Batch registered on", "licence": "GS1 company prefix {prefix}, licensed by {agency} to "
        "{licensee}", "claims": "Geographical indications and marks", "gi": "Geographical indication",
        "collective": "Collective mark", "certification": "Certification mark", "certificate": "certificate no. "
        "{number}", "manager": "managed by", "owner": "owned by", "status_at_production": "On the production date",
        "status_at_registration": "On the day the batch was registered", "valid": "valid",
        "suspended": "suspended", "revoked": "revoked", "not-in-force": "not in force", "cancelled": "cancelled",
        "no-right": "no right of use", "reinstated": "reinstated", "right": "Decisions on the right of use",
        "right_change": "{action} from {effective}, by decision of {who} on {decided}: {reason}",
        "certifications": "Certifications", "pass": "passed", "fail": "failed",
        "certified_by": "{result}, certified by {who}, valid until {until}", "expired": "expired",
        "not-yet-valid": "not yet valid", "journey": "Journey", "made_from": "Made from", "became": "Used to make",
        "produced": "Produced", "by": "by {who}", "route": "from {source} to {to}",
        "received_route": "by {to}, from {source}", "to_only": "to {to}",
        "from_only": "from {source}", "recalled_item": "recalled on {on}", "used": "{amount} used",
        "history": "History of corrections",
        "history_note": "The statements below were retracted: they have no effect and do not count in the checks; "
        "the ledger keeps them.", "said": "{kind}, recorded by {who} on {on}",
        "retracted": "retracted by {who} on {on}: {reason}",
        "evidence": "Evidence",
        "evidence_note": "What this page shows is recorded in a public ledger ({entries} entries) and signed by the "
        "ledger", "witnessed": ", and countersigned by {count} independent witnesses.",
        "unwitnessed": "; no independent witness has countersigned it yet.",
        "details": "Technical details for checkers",
        "details_note": "Every fact is an entry in an append-only ledger, with a SHA-256 hash and a Merkle inclusion "
        "proof (RFC 9162) leading to the signed checkpoint below. Anyone can check this without trusting the "
        "server: download the JSON document, check the checkpoint's signature with the ledger's public key, and "
        "check every proof.",
        "checks": "Checks made", "entries": "Entries relied on", "entry": "Entry", "checkpoint": "Signed checkpoint",
        "json": "Verification document (JSON)", "key": "The ledger's public key",
        "commune_code": "Commune code {code} of the list of {version}", "switch": "Tiếng Việt",
        "not_found_title": "Code not found", "producer_record": "record in the registry",
    },
}

BIZ_STEPS: dict[str, tuple[str, str]] = {
    "accepting": ("Tiếp nhận", "Accepted"), "arriving": ("Đến nơi", "Arrived"), "assembling": ("Lắp ráp", "Assembled"),
    "collecting": ("Thu gom", "Collected"), "commissioning": ("Gắn mã định danh", "Commissioned"),
    "consigning": ("Ký gửi", "Consigned"), "creating_class_instance": ("Tạo mã sản phẩm", "Identified"),
    "cycle_counting": ("Kiểm đếm định kỳ", "Counted"), "decommissioning": ("Hủy mã định danh", "Decommissioned"),
    "departing": ("Rời đi", "Departed"), "destroying": ("Tiêu hủy", "Destroyed"),
    "disassembling": ("Tháo rời", "Disassembled"), "dispensing": ("Cấp phát", "Dispensed"),
    "encoding": ("Ghi mã lên nhãn", "Encoded"), "entering_exiting": ("Ra vào", "Entered or left"),
    "holding": ("Tạm giữ", "Held"), "inspecting": ("Kiểm tra", "Inspected"), "installing": ("Lắp đặt", "Installed"),
    "killing": ("Giết mổ", "Slaughtered"), "loading": ("Bốc hàng", "Loaded"), "other": ("Sự kiện khác", "Other event"),
    "packing": ("Đóng gói", "Packed"), "picking": ("Lấy hàng", "Picked"), "receiving": ("Nhận hàng", "Received"),
    "removing": ("Lấy ra", "Removed"), "repackaging": ("Đóng gói lại", "Repackaged"),
    "repairing": ("Sửa chữa", "Repaired"), "replacing": ("Thay thế", "Replaced"), "reserving": ("Đặt giữ", "Reserved"),
    "retail_selling": ("Bán lẻ", "Sold at retail"), "sampling": ("Lấy mẫu", "Sampled"),
    "sensor_reporting": ("Ghi số liệu cảm biến", "Sensor reading"), "shipping": ("Xuất hàng", "Shipped"),
    "staging_outbound": ("Chuẩn bị xuất hàng", "Staged for shipping"), "stock_taking": ("Kiểm kê", "Stock taken"),
    "stocking": ("Đưa lên kệ", "Stocked"), "storing": ("Lưu kho", "Stored"),
    "transporting": ("Vận chuyển", "Transported"), "unloading": ("Dỡ hàng", "Unloaded"),
    "unpacking": ("Mở gói", "Unpacked"), "void_shipping": ("Hủy lệnh xuất hàng", "Shipment cancelled"),
}
"""Every CBV 2.0 business step the registry accepts (`registry.schemas.goods.BIZ_STEPS`), in words."""

DISPOSITIONS: dict[str, tuple[str, str]] = {
    "conformant": ("đạt", "passed"), "non_conformant": ("không đạt", "failed"),
    "recalled": ("ngừng bán vì bị thu hồi", "taken off sale: recalled"), "damaged": ("hư hỏng", "damaged"),
    "destroyed": ("đã tiêu hủy", "destroyed"), "disposed": ("đã loại bỏ", "disposed of"),
    "expired": ("hết hạn", "expired"), "stolen": ("bị mất cắp", "stolen"), "returned": ("bị trả lại", "returned"),
    "retail_sold": ("đã bán", "sold"), "non_sellable_other": ("không được bán", "not for sale"),
}
"""The CBV 2.0 dispositions a shopper should read; the others (in transit, in progress, ...) add nothing."""

KINDS: dict[str, tuple[str, str]] = {
    "right.suspended.v1": ("Đình chỉ quyền sử dụng", "Suspension of the right of use"),
    "right.reinstated.v1": ("Khôi phục quyền sử dụng", "Reinstatement of the right of use"),
    "right.revoked.v1": ("Thu hồi quyền sử dụng", "Revocation of the right of use"),
    "batch.registered.v1": ("Đăng ký lô hàng", "Registration of the batch"),
    "batch.registered.v2": ("Đăng ký lô hàng", "Registration of the batch"),
    "batch.event.v1": ("Sự kiện của lô hàng", "An event of the batch"),
    "batch.recalled.v1": ("Thu hồi lô hàng", "Recall of the batch"),
    "serials.issued.v1": ("Cấp số sê-ri", "Issue of serial numbers"),
    "certification.issued.v1": ("Cấp chứng nhận", "A certification"),
    "certification.revoked.v1": ("Thu hồi chứng nhận", "Revocation of a certification"),
    "correction.v1": ("Đính chính", "A correction"),
}
"""Statement kinds a page's history may show; any other is "Một thông tin" / "A statement"."""
