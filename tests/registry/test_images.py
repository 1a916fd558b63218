"""Product images: the type is what the bytes say, the size what their header says, and bounds hold."""

import hashlib
import io
import struct

import pytest
from PIL import Image as Pillow

from registry.demo_images import SHAPES, picture
from registry.images import MAX_BYTES, MAX_SIDE, ImageError, examine, sniff


def encoded(fmt: str, width: int = 300, height: int = 200, **options: object) -> bytes:
    """A picture as Pillow encodes it in `fmt`."""
    out = io.BytesIO()
    Pillow.new("RGB", (width, height), (180, 40, 60)).save(out, fmt, **options)
    return out.getvalue()


class TestExamine:
    """An upload is examined by its own bytes."""

    @pytest.mark.parametrize(("fmt", "options", "media_type"), [
        ("PNG", {}, "image/png"), ("JPEG", {}, "image/jpeg"), ("JPEG", {"progressive": True}, "image/jpeg"),
        ("WEBP", {}, "image/webp"), ("WEBP", {"lossless": True}, "image/webp"),
        ("WEBP", {"exif": b"Exif\x00\x00MM\x00*"}, "image/webp"),
    ], ids=["png", "jpeg", "progressive-jpeg", "lossy-webp", "lossless-webp", "extended-webp"])
    def test_reads_type_and_size_from_what_encoders_write(self, fmt: str, options: dict[str, object],
                                                         media_type: str) -> None:
        image = examine(encoded(fmt, **options), None)
        assert (image.media_type, image.width, image.height) == (media_type, 300, 200)

    def test_reads_a_jpeg_whose_markers_are_padded_with_fill_bytes(self) -> None:
        data = encoded("JPEG")
        padded = data[:2] + b"\xff\xff\xff" + data[2:]
        assert (examine(padded, "image/jpeg").width, examine(padded, "image/jpeg").height) == (300, 200)

    def test_names_an_image_by_the_sha256_of_its_bytes(self) -> None:
        data = encoded("PNG")
        assert examine(data, "image/png").sha256 == hashlib.sha256(data).hexdigest()

    def test_the_declared_type_must_be_what_the_bytes_are(self) -> None:
        with pytest.raises(ImageError) as caught:
            examine(encoded("PNG"), "image/jpeg")
        assert (caught.value.code, caught.value.status) == ("image-type-mismatch", 415)
        assert "the request says image/jpeg, but the bytes are image/png" in caught.value.en

    @pytest.mark.parametrize("data", [b"GIF89a" + b"\x00" * 40, b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                                      b"%PDF-1.7", b"", b"RIFF\x00\x00\x00\x00WAVEfmt "])
    def test_refuses_what_is_not_png_jpeg_or_webp(self, data: bytes) -> None:
        with pytest.raises(ImageError) as caught:
            examine(data, None)
        assert (caught.value.code, caught.value.status) == ("image-type-unsupported", 415)

    def test_refuses_more_than_max_bytes(self) -> None:
        with pytest.raises(ImageError) as caught:
            examine(encoded("PNG") + b"\x00" * MAX_BYTES, "image/png")
        assert (caught.value.code, caught.value.status) == ("image-too-large", 413)

    def test_refuses_a_picture_larger_than_max_side_whatever_its_file_size(self) -> None:
        data = encoded("PNG", MAX_SIDE + 1, 1)
        assert len(data) < MAX_BYTES
        with pytest.raises(ImageError) as caught:
            examine(data, None)
        assert caught.value.code == "image-too-large"
        assert f"{MAX_SIDE + 1}x1 pixels" in caught.value.en

    @pytest.mark.parametrize("data", [
        b"\x89PNG\r\n\x1a\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", 0, 10),
        b"\xff\xd8\xff\xe0\x00\x02", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    ], ids=["png-without-header", "png-of-no-width", "jpeg-without-frame", "jpeg-cut-short", "webp-cut-short"])
    def test_refuses_a_signature_without_the_header_that_gives_the_size(self, data: bytes) -> None:
        with pytest.raises(ImageError) as caught:
            examine(data, None)
        assert (caught.value.code, caught.value.status) == ("image-malformed", 422)

    def test_sniffs_by_the_first_bytes_only(self) -> None:
        assert sniff(b"\xff\xd8\xff" + b"\x89PNG") == "image/jpeg"
        assert sniff(b"text \x89PNG\r\n\x1a\n") is None


class TestDemoPictures:
    """The demo's pictures are images the registry keeps."""

    @pytest.mark.parametrize("shape", sorted(SHAPES))
    def test_each_shape_is_a_png_the_registry_accepts(self, shape: str) -> None:
        data = picture(shape, "#f4f1ea", "#2a5da8")
        image = examine(data, "image/png")
        assert (image.width, image.height) == (96, 96)
        with Pillow.open(io.BytesIO(data)) as opened:
            assert set(opened.get_flattened_data()) == {(0xF4, 0xF1, 0xEA), (0x2A, 0x5D, 0xA8)}
            assert opened.getpixel((0, 0)) == (0xF4, 0xF1, 0xEA)
