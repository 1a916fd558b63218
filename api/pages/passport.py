"""What the consumer page says of a product's digital passport (Decree 37/2026/NĐ-CP, Circular 02/2024/TT-BKHCN):
the labels of its facts in Vietnamese and English."""

PASSPORT_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "expiry": "Hạn sử dụng", "expired": "đã hết hạn", "days_from_production": "ngày kể từ ngày sản xuất",
        "standards": "Tiêu chuẩn áp dụng", "usage": "Hướng dẫn sử dụng", "warnings": "Cảnh báo an toàn",
        "address": "Địa chỉ nhà sản xuất", "identifiers": "Mã số nhà sản xuất", "tax_code": "Mã số thuế",
        "business_registration": "Số đăng ký kinh doanh", "updated": "Thông tin sản phẩm cập nhật ngày",
    },
    "en": {
        "expiry": "Use by", "expired": "expired", "days_from_production": "days from production",
        "standards": "Standards applied", "usage": "How to use", "warnings": "Safety warnings",
        "address": "Producer's address", "identifiers": "Producer's identifiers", "tax_code": "Tax code",
        "business_registration": "Business registration no.", "updated": "Product details updated on",
    },
}
