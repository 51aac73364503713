"""The demo data set: one city (Shanghai), 12 stores, 2 regional warehouses, 64 products.

Deterministic: the same ids, codes, prices and stock on every machine and every run.
Demo logins (password for all: DEMO_PASSWORD): admin@demo.omnichannel.cn (HQ_ADMIN),
analyst@demo.omnichannel.cn (ANALYST), clerk.s01@demo.omnichannel.cn / manager.s01@... for every
store S01..S12 (CLERK / STORE_MANAGER), manager.w01@... and manager.w02@... for the warehouses.
Members M0001..M0020 sign in with phone 1380013NNNN (NNNN = their number); store cards 62000000NNNN.
"""

from __future__ import annotations

import random
from decimal import Decimal

from tortoise.transactions import in_transaction

from ...domain.credit import DEFAULT_STORE_SHARE
from ...domain.inventory import MovementReason
from ...domain.money import to_amount
from .history import seed_history
from .writer import copy_rows, execute, fetch, reset_sequences

DEMO_PASSWORD = "omnichannel-demo"
EMAIL_DOMAIN = "demo.omnichannel.cn"
HISTORY_DAYS = 60  # days of past sales (completed or cancelled orders) before the demo starts

ALL = "EXPRESS,PICKUP,SAME_CITY"
# code, name, lat, lng, modes, same-city radius km, address
STORES = [
    ("S01", "Jing'an Temple", 31.2235, 121.4453, ALL, 5.0, "1699 Nanjing West Road"),
    ("S02", "Xujiahui", 31.1955, 121.4368, ALL, 5.0, "1 Hongqiao Road"),
    ("S03", "Lujiazui", 31.2397, 121.4998, ALL, 6.0, "168 Lujiazui West Road"),
    ("S04", "People's Square", 31.2328, 121.4737, ALL, 4.0, "268 Xizang Middle Road"),
    ("S05", "Hongqiao", 31.1947, 121.3980, ALL, 5.0, "1 Hongqiao Hub Road"),
    ("S06", "Wujiaochang", 31.3010, 121.5140, ALL, 5.0, "10 Songhu Road"),
    ("S07", "Zhongshan Park", 31.2190, 121.4170, ALL, 3.0, "1018 Changning Road"),
    ("S08", "Century Park", 31.2150, 121.5510, ALL, 5.0, "1001 Jinxiu Road"),
    ("S09", "Nanjing East Road", 31.2380, 121.4850, "EXPRESS,PICKUP", 0.0, "800 Nanjing East Road"),
    ("S10", "Xintiandi", 31.2190, 121.4750, ALL, 3.0, "123 Xingye Road"),
    ("S11", "Qibao", 31.1550, 121.3520, "EXPRESS,PICKUP", 0.0, "3288 Qixin Road"),
    ("S12", "Songjiang Wanda", 31.0320, 121.2250, "PICKUP", 0.0, "658 Guangfulin Road"),
]
WAREHOUSES = [
    ("W01", "Jiading Regional Warehouse", 31.3830, 121.2500, "EXPRESS", 0.0, "2000 Jiasong North Road"),
    ("W02", "Pudong Kangqiao Regional Warehouse", 31.1450, 121.5800, "EXPRESS", 0.0, "500 Kangqiao East Road"),
]

CATEGORIES = {
    "Tops": [
        "Cotton Crew Tee",
        "Linen Shirt",
        "Merino Sweater",
        "Polo Shirt",
        "Hooded Sweatshirt",
        "Oxford Shirt",
        "Knit Cardigan",
        "Tank Top",
    ],
    "Bottoms": [
        "Slim Chinos",
        "Straight Jeans",
        "Jogger Pants",
        "Pleated Skirt",
        "Linen Shorts",
        "Wide-Leg Trousers",
        "Denim Shorts",
        "Track Pants",
    ],
    "Outerwear": [
        "Down Jacket",
        "Trench Coat",
        "Windbreaker",
        "Wool Coat",
        "Rain Parka",
        "Fleece Jacket",
        "Denim Jacket",
        "Quilted Vest",
    ],
    "Shoes": [
        "Canvas Sneakers",
        "Running Shoes",
        "Leather Loafers",
        "Chelsea Boots",
        "Slip-On Sandals",
        "Trail Runners",
        "Court Sneakers",
        "House Slippers",
    ],
    "Bags": [
        "Canvas Tote",
        "Leather Backpack",
        "Crossbody Bag",
        "Weekender Duffel",
        "Laptop Sleeve",
        "Belt Bag",
        "Drawstring Pouch",
        "Travel Organizer",
    ],
    "Accessories": [
        "Wool Beanie",
        "Silk Scarf",
        "Leather Belt",
        "Bucket Hat",
        "Sports Socks 3-Pack",
        "Sunglasses",
        "Cashmere Gloves",
        "Umbrella",
    ],
    "Home": [
        "Cotton Bath Towel",
        "Linen Bed Sheet",
        "Ceramic Mug",
        "Scented Candle",
        "Throw Blanket",
        "Storage Basket",
        "Cushion Cover",
        "Table Runner",
    ],
    "Beauty": [
        "Hand Cream",
        "Lip Balm",
        "Face Mist",
        "Body Lotion",
        "Shampoo Bar",
        "Sheet Mask 5-Pack",
        "Sunscreen SPF50",
        "Perfume 30ml",
    ],
}
SIZES = {
    "Tops": ["S", "M", "L", "XL"],
    "Bottoms": ["28", "30", "32", "34"],
    "Outerwear": ["S", "M", "L"],
    "Shoes": ["38", "40", "42", "44"],
    "Bags": ["Black", "Tan", "Navy"],
    "Accessories": ["Black", "Grey"],
    "Home": ["White", "Sand", "Sage"],
    "Beauty": ["Standard", "Travel"],
}
MEMBERS = [
    "Li Wei",
    "Wang Fang",
    "Zhang Min",
    "Liu Yang",
    "Chen Jing",
    "Yang Lei",
    "Huang Ting",
    "Zhao Jun",
    "Wu Xia",
    "Zhou Tao",
    "Xu Lin",
    "Sun Hui",
    "Ma Chao",
    "Zhu Yan",
    "Hu Bin",
    "Guo Li",
    "He Ping",
    "Gao Mei",
    "Lin Feng",
    "Luo Na",
]


# id, title, kind, value, cap, min spend, channels, store ids, per member, total, created by
COUPON_TEMPLATES = [
    (1, "Welcome: 10 off 100", "AMOUNT_OFF", Decimal(10), None, Decimal(100), "", "", 1, None, "seed"),
    (2, "15% off, up to 50", "PERCENT_OFF", Decimal(15), Decimal(50), None, "", "", 2, 1000, "seed"),
    (3, "App only: 20 off 199", "AMOUNT_OFF", Decimal(20), None, Decimal(199), "APP,MINI_PROGRAM", "", 1, 500, "seed"),
    (4, "Jing'an Temple store: 30 off 300", "AMOUNT_OFF", Decimal(30), None, Decimal(300), "", "1", 1, 200, "seed"),
]


def ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return body12 + str(check)


async def demo_present() -> bool:
    return bool(await fetch("SELECT 1 FROM location WHERE code = 'S01'"))


async def seed_demo(password_hash: str, *, store_share: Decimal = DEFAULT_STORE_SHARE) -> bool:
    """Load the demo data set once. Returns False (and changes nothing) when it is already there."""
    async with in_transaction():
        await fetch("SELECT pg_advisory_xact_lock(hashtext('omnichannel.seed'))")
        if await demo_present():
            return False
        await _load(password_hash)
        stores = [r["id"] for r in await fetch("SELECT id FROM location WHERE kind = 'STORE' ORDER BY id")]
        await seed_history(stores, days=HISTORY_DAYS, store_share=store_share)
    await reset_sequences(
        [
            "location",
            "category",
            "product",
            "variant",
            "price_override",
            "stock_level",
            "staff",
            "member",
            "coupon_template",
        ]
    )
    return True


DEMO_RESTOCK_STORE = 1  # S01: the store of the demo logins
DEMO_RESTOCK_LEVELS = 3


def _with_shelves_to_restock(stock: list[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    """A safety stock of 2 on the last few empty shelves of S01, so its pad shows low-stock alerts on
    first run (an empty level: what every store can promise is unchanged)."""
    empty = [row for row in stock if row[1] == DEMO_RESTOCK_STORE and row[2] == 0][-DEMO_RESTOCK_LEVELS:]
    chosen = {(row[0], row[1]) for row in empty}
    return [
        (v, loc, on_hand, reserved, 2 if (v, loc) in chosen else safety) for v, loc, on_hand, reserved, safety in stock
    ]


async def _load(password_hash: str) -> None:
    rng = random.Random(20261127)
    locations = []
    for i, (code, name, lat, lng, modes, radius, address) in enumerate(STORES + WAREHOUSES, start=1):
        kind = "STORE" if code.startswith("S") else "REGIONAL_WAREHOUSE"
        hours = "10:00-22:00" if kind == "STORE" else "00:00-24:00"
        locations.append((i, code, name, kind, lat, lng, modes, radius, hours, "Shanghai", address, True))
    await copy_rows(
        "location",
        [
            "id",
            "code",
            "name",
            "kind",
            "lat",
            "lng",
            "modes",
            "delivery_radius_km",
            "opening_hours",
            "city",
            "address",
            "active",
        ],
        locations,
    )
    await copy_rows("category", ["id", "name", "position"], [(i, n, i) for i, n in enumerate(CATEGORIES, 1)])

    products: list[tuple[int, str, str, int, bool]] = []
    variants: list[tuple[int, int, str, str, str, Decimal, int, bool]] = []
    stock: list[tuple[int, int, int, int, int]] = []
    movements: list[tuple[int, int, str, int, int, int, int, str, str, str]] = []
    overrides: list[tuple[int, str | None, int | None, Decimal]] = []
    variant_id = 0
    for category_id, (category, titles) in enumerate(CATEGORIES.items(), start=1):
        for n, title in enumerate(titles, start=1):
            product_id = (category_id - 1) * len(titles) + n
            base = Decimal(rng.choice([39, 59, 79, 99, 129, 159, 199, 249, 299, 399, 599, 899]))
            products.append((product_id, title, f"{title} from our {category.lower()} range.", category_id, True))
            options = SIZES[category][: rng.randint(2, len(SIZES[category]))]
            for position, option in enumerate(options):
                variant_id += 1
                sku = f"{category[:3].upper()}-{product_id:03d}-{option.upper().replace(' ', '')}"
                barcode = ean13(f"6901234{variant_id:05d}")
                price = base + (Decimal(20) if category in ("Outerwear", "Shoes") and position >= 2 else 0)
                variants.append((variant_id, product_id, sku, barcode, f"{title} {option}", price, position, True))
                if variant_id % 5 == 0:
                    overrides.append((variant_id, "APP", None, to_amount(price * Decimal("0.9"))))
                if variant_id % 7 == 0:
                    overrides.append((variant_id, "MINI_PROGRAM", None, to_amount(price * Decimal("0.95"))))
                if variant_id % 6 == 0:
                    overrides.append((variant_id, None, 12, to_amount(price * Decimal("0.8"))))  # S12 clearance
                if variant_id % 11 == 0:
                    overrides.append((variant_id, "APP", 3, to_amount(price * Decimal("0.85"))))  # S03 app deal
                for location in locations:
                    location_id, kind = location[0], location[3]
                    if kind == "STORE":
                        roll = rng.random()
                        if roll < 0.15:
                            continue  # never stocked here
                        on_hand = 0 if roll < 0.25 else rng.randint(1, 25)
                        safety = 2 if rng.random() < 0.2 and on_hand > 0 else 0
                    else:
                        on_hand, safety = rng.randint(40, 300), 10
                    stock.append((variant_id, location_id, on_hand, 0, safety))
                    if on_hand:
                        movements.append(
                            (
                                variant_id,
                                location_id,
                                MovementReason.SYNC.value,
                                on_hand,
                                0,
                                on_hand,
                                0,
                                "opening stock",
                                "seed:demo",
                                "seed",
                            )
                        )
    await copy_rows("product", ["id", "title", "description", "category_id", "active"], products)
    await copy_rows("product_category", ["product_id", "category_id"], [(p[0], p[3]) for p in products])
    await copy_rows(
        "variant", ["id", "product_id", "sku", "barcode", "title", "list_price", "position", "active"], variants
    )
    await copy_rows("price_override", ["variant_id", "channel", "location_id", "amount"], overrides)
    stock = _with_shelves_to_restock(stock)
    await copy_rows("stock_level", ["variant_id", "location_id", "on_hand", "reserved", "safety_stock"], stock)
    # the pad's Low stock list is not empty on first run: every level already at its safety stock is alerted
    await execute(
        "INSERT INTO low_stock_alert (location_id, variant_id, on_hand, reserved, safety_stock) "
        "SELECT location_id, variant_id, on_hand, reserved, safety_stock FROM stock_level "
        "WHERE safety_stock > 0 AND on_hand - reserved <= safety_stock ORDER BY location_id, variant_id"
    )
    await copy_rows(
        "stock_movement",
        [
            "variant_id",
            "location_id",
            "reason",
            "on_hand_delta",
            "reserved_delta",
            "on_hand_after",
            "reserved_after",
            "note",
            "reference",
            "actor",
        ],
        movements,
    )

    staff: list[tuple[int, str, str, str, int | None]] = [
        (1, f"admin@{EMAIL_DOMAIN}", "Head Office Admin", "HQ_ADMIN", None),
        (2, f"analyst@{EMAIL_DOMAIN}", "BI Analyst", "ANALYST", None),
    ]
    for location in locations:
        location_id, code, name = location[0], location[1], location[2]
        if code.startswith("S"):
            staff.append(
                (len(staff) + 1, f"clerk.{code.lower()}@{EMAIL_DOMAIN}", f"{name} Clerk", "CLERK", location_id)
            )
        staff.append(
            (len(staff) + 1, f"manager.{code.lower()}@{EMAIL_DOMAIN}", f"{name} Manager", "STORE_MANAGER", location_id)
        )
    await copy_rows(
        "staff",
        ["id", "email", "name", "role", "location_id", "password_hash", "active"],
        [(*s, password_hash, True) for s in staff],
    )
    await copy_rows(
        "member",
        ["id", "member_number", "display_name", "phone"],
        [(i, f"M{i:04d}", name, f"1380013{i:04d}") for i, name in enumerate(MEMBERS, start=1)],
    )
    await copy_rows(
        "member_identity",
        ["member_id", "kind", "value"],
        [(i, "PHONE", f"1380013{i:04d}") for i in range(1, len(MEMBERS) + 1)]
        + [(i, "STORE_CARD", f"62000000{i:04d}") for i in range(1, len(MEMBERS) + 1)],
    )
    await copy_rows(
        "coupon_template",
        [
            "id",
            "title",
            "kind",
            "value",
            "max_discount",
            "min_spend",
            "channels",
            "store_ids",
            "per_member_limit",
            "total_quantity",
            "created_by",
        ],
        COUPON_TEMPLATES,
    )
