"""Draw the two Teams app icons with Pillow: `python deploy/teams/make_icons.py`.

The PNGs are committed in assistant/data/teams/, the template that ships inside the package.
"""

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent.parent.parent / "assistant" / "data" / "teams"
ACCENT = (31, 95, 168, 255)
WHITE = (255, 255, 255, 255)


def page_with_quote(size: int, background: tuple | None, ink: tuple) -> Image.Image:
    """A document page with a quotation mark: "a policy, quoted"."""
    image = Image.new("RGBA", (size, size), background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size / 32
    draw.rounded_rectangle([7 * s, 3 * s, 25 * s, 29 * s], radius=2 * s, outline=ink, width=max(1, round(2 * s)))
    for y in (9, 13, 17):
        draw.line([11 * s, y * s, 21 * s, y * s], fill=ink, width=max(1, round(1.5 * s)))
    for x in (11, 16):  # a closing double quote
        draw.ellipse([x * s, 21 * s, (x + 3) * s, 24 * s], fill=ink)
        draw.polygon([((x + 1.5) * s, 23 * s), ((x + 3) * s, 23 * s), ((x + 1) * s, 26.5 * s)], fill=ink)
    return image


if __name__ == "__main__":
    page_with_quote(192, ACCENT, WHITE).save(HERE / "color.png")
    page_with_quote(32, None, WHITE).save(HERE / "outline.png")
