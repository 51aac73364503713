from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain.geo import GeoPoint, bounding_box, distance_km

SHANGHAI = GeoPoint(31.2304, 121.4737)


def test_distance_between_known_points():
    beijing = GeoPoint(39.9042, 116.4074)
    assert 1060 < distance_km(SHANGHAI, beijing) < 1075  # about 1,068 km great-circle
    assert distance_km(SHANGHAI, SHANGHAI) == 0


points = st.builds(
    GeoPoint,
    st.floats(min_value=-85, max_value=85, allow_nan=False),
    st.floats(min_value=-179, max_value=179, allow_nan=False),
)


@given(center=points, radius=st.floats(min_value=0.1, max_value=500), bearing=st.floats(0, 1), frac=st.floats(0, 1))
def test_every_point_within_the_radius_is_inside_the_box(center, radius, bearing, frac):
    import math

    # walk from the centre a fraction of the radius in some direction
    d = radius * frac / 6371.0088
    theta = bearing * 2 * math.pi
    lat1, lng1 = math.radians(center.lat), math.radians(center.lng)
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(theta))
    lng2 = lng1 + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2)
    )
    lng2_deg = (math.degrees(lng2) + 540) % 360 - 180
    point = GeoPoint(math.degrees(lat2), lng2_deg)
    if abs(point.lng - center.lng) > 180 - 1e-6:  # crossed the antimeridian; the box does not wrap
        return
    assert distance_km(center, point) <= radius + 1e-6
    assert bounding_box(center, radius).contains(point)


@given(center=points, other=points)
def test_distances_from_a_centre_equal_distance_km_to_the_bit(center, other):
    from omnichannel.domain.geo import distances_from

    assert distances_from(center)(other) == distance_km(center, other)
