"""What the portal's spreadsheet import and label printing pages say, in Vietnamese and English."""

from api.portal import words

words.extend({
    "vi": {
        "il_nav_import": "Nhập từ bảng tính", "il_nav_labels": "In nhãn",
        "il_import_title": "Nhập lô hàng từ bảng tính",
        "il_import_intro": "Tải lên tệp CSV hoặc Excel (.xlsx), mỗi dòng là một lô hàng. Bạn sẽ xem lại từng dòng "
        "trước khi ghi; chưa có gì được ghi vào sổ khi xem trước.",
        "il_templates": "Tệp mẫu để điền:", "il_template_csv": "Mẫu CSV", "il_template_xlsx": "Mẫu Excel",
        "il_file": "Tệp bảng tính", "il_file_hint": "CSV (UTF-8, dấu phẩy hoặc chấm phẩy) hoặc Excel .xlsx; dòng 1 "
        "là tiêu đề cột.",
        "il_preview": "Xem trước", "il_no_file": "Hãy chọn một tệp CSV hoặc Excel.",
        "il_preview_title": "Xem trước tệp nhập",
        "il_file_name": "Tệp", "il_rows_count": "Số dòng",
        "il_all_good": "Cả {rows} dòng đều hợp lệ. Chưa có gì được ghi: hãy bấm «Ghi vào sổ» để ghi tất cả.",
        "il_has_errors": "Có {errors} lỗi ở {bad} trên {rows} dòng. Không dòng nào được ghi. Hãy sửa tệp rồi tải "
        "lên lại.",
        "il_row": "Dòng {row}", "il_row_ok": "Hợp lệ", "il_row_bad": "Có lỗi",
        "il_whole_row": "Cả dòng", "il_code": "Mã lỗi",
        "il_commit": "Ghi tất cả vào sổ", "il_upload_again": "Tải lên tệp khác",
        "il_done_title": "Đã ghi vào sổ",
        "il_done": "Đã ghi {rows} lô hàng vào sổ, tất cả trong một lần.",
        "il_entry": "Mục số {entry} của sổ", "il_print": "In nhãn cho các lô này",
        "il_commit_refused": "Sổ đăng ký đã từ chối tệp này khi ghi, có thể vì dữ liệu trong sổ vừa thay đổi. "
        "Không dòng nào được ghi. Hãy sửa tệp rồi tải lên lại.",
        "il_tampered": "Dữ liệu xem trước đã bị thay đổi, thuộc phiên đăng nhập khác hoặc tổ chức khác. Không có gì "
        "được ghi. Hãy tải tệp lên lại.",
        "il_product": "Sản phẩm",
        "il_labels_title": "In nhãn mã QR",
        "il_labels_intro": "Chọn lô hàng, kiểu in và cỡ nhãn để tải tệp PDF. Mỗi nhãn có mã QR dẫn tới trang nguồn "
        "gốc của lô, tên sản phẩm và số lô. In ở tỉ lệ 100%.",
        "il_batches": "Lô hàng", "il_no_batches": "Tổ chức của bạn chưa có lô hàng nào.",
        "il_batch_of": "lô {lot}, sản xuất ngày {day}",
        "il_layout": "Kiểu in", "il_layout_a4": "Tờ A4 nhiều nhãn", "il_layout_single": "Mỗi trang một nhãn "
        "(máy in nhãn)",
        "il_size": "Cỡ nhãn", "il_size_mm": "cao {size} mm, rộng {width} mm",
        "il_copies": "Số nhãn cho mỗi lô", "il_copies_hint": "Từ 1 đến {max}.",
        "il_serials": "Mỗi nhãn một số sê-ri đã cấp (thay cho số nhãn ở trên)",
        "il_download": "Tải tệp PDF",
        "il_html_sheet": "Hoặc mở trang nhãn để in từ trình duyệt:",
        "il_html_sheet_link": "Trang nhãn A4 của lô {lot}",
        "il_pick_batch": "Hãy chọn ít nhất một lô hàng.",
        "il_bad_copies": "Số nhãn cho mỗi lô phải là số nguyên từ 1 đến {max}.",
        "il_too_many": "Mỗi tệp PDF có tối đa {max} nhãn; bạn đã chọn {count} nhãn. Hãy chọn ít lô hơn hoặc ít nhãn "
        "hơn.",
        "il_no_serials": "Các lô đã chọn chưa được cấp số sê-ri nào.",
        "il_recent": "Hiện {shown} lô mới nhất.",
    },
    "en": {
        "il_nav_import": "Import a spreadsheet", "il_nav_labels": "Print labels",
        "il_import_title": "Import batches from a spreadsheet",
        "il_import_intro": "Upload a CSV or Excel (.xlsx) file, one batch per row. You check every row before "
        "anything is recorded; a preview records nothing.",
        "il_templates": "Templates to fill in:", "il_template_csv": "CSV template",
        "il_template_xlsx": "Excel template",
        "il_file": "Spreadsheet file", "il_file_hint": "CSV (UTF-8, commas or semicolons) or Excel .xlsx; row 1 "
        "holds the column headers.",
        "il_preview": "Preview", "il_no_file": "Choose a CSV or Excel file.",
        "il_preview_title": "Preview of the import",
        "il_file_name": "File", "il_rows_count": "Rows",
        "il_all_good": "All {rows} rows are valid. Nothing is recorded yet: press \"Record all\" to record them.",
        "il_has_errors": "{errors} errors in {bad} of {rows} rows. No row was recorded. Correct the file and upload "
        "it again.",
        "il_row": "Row {row}", "il_row_ok": "Valid", "il_row_bad": "Has errors",
        "il_whole_row": "Whole row", "il_code": "Error code",
        "il_commit": "Record all", "il_upload_again": "Upload another file",
        "il_done_title": "Recorded",
        "il_done": "{rows} batches were recorded in the registry, all at once.",
        "il_entry": "Registry entry {entry}", "il_print": "Print labels for these batches",
        "il_commit_refused": "The registry refused this file when recording it, perhaps because the registry has "
        "just changed. No row was recorded. Correct the file and upload it again.",
        "il_tampered": "The preview's data was changed, or belongs to another session or organisation. Nothing was "
        "recorded. Upload the file again.",
        "il_product": "Product",
        "il_labels_title": "Print QR labels",
        "il_labels_intro": "Choose batches, a layout and a label size to download a PDF. Each label carries the QR "
        "code of the batch's origin page, the product's name and the lot. Print at 100% scale.",
        "il_batches": "Batches", "il_no_batches": "Your organisation has no batch yet.",
        "il_batch_of": "lot {lot}, produced {day}",
        "il_layout": "Layout", "il_layout_a4": "A4 sheet of labels", "il_layout_single": "One label per page "
        "(label printer)",
        "il_size": "Label size", "il_size_mm": "{size} mm high, {width} mm wide",
        "il_copies": "Labels per batch", "il_copies_hint": "From 1 to {max}.",
        "il_serials": "One label per issued serial (instead of the number above)",
        "il_download": "Download the PDF",
        "il_html_sheet": "Or open a label sheet to print from the browser:",
        "il_html_sheet_link": "A4 label sheet of lot {lot}",
        "il_pick_batch": "Choose at least one batch.",
        "il_bad_copies": "Labels per batch must be a whole number from 1 to {max}.",
        "il_too_many": "A PDF holds at most {max} labels; you chose {count}. Choose fewer batches or fewer labels.",
        "il_no_serials": "No serial has been issued for the chosen batches.",
        "il_recent": "The {shown} most recent batches are shown.",
    },
})
