"""Typed inspection records: today's stored shape round-trips, and every shape older builds
stored (no version, other key spellings) loads through from_dict."""

import json

from app.core.inspection_record import (
    LEGACY_VERSION,
    RECORD_VERSION,
    InspectionRecord,
    StoredComponent,
    StoredReason,
)

# A component and reasons as app.jobs.inspection writes them today (key order included).
COMPONENT = {"class_value": 1, "grade": "REWORK", "bbox": [0, 0, 48, 48], "centroid": [23.5, 23.5],
             "area_px": 2304, "area_mm2": 2304, "length_mm": 48.0, "width_mm": 48.0,
             "mean_prob": 0.9, "max_prob": 0.9, "zones": {"whole-image": 1824.0, "edge": 480.0},
             "reasons": ["spot 2304 px in whole-image exceeds max area 2000 px -> REWORK"],
             "class": "spot", "borderline": ["measurement"],
             "contour": [[0, 0], [0, 47], [47, 47], [47, 0]]}
REASONS = [
    {"grade": "REWORK", "kind": "area", "class_value": 1, "zone": "whole-image", "value": 2304,
     "limit": 2000, "text": "spot 2304 px in whole-image exceeds max area 2000 px -> REWORK"},
    {"kind": "borderline", "grade": None, "check": "measurement", "component": 0,
     "class_value": 1, "zone": "whole-image", "value": 2304, "limit": 2000, "closeness": 0.85,
     "text": "spot area near its limit"},
    {"kind": "note", "grade": None, "value": 3,
     "text": "3 smaller components without a reason not stored"},
]


def test_todays_shape_round_trips_key_for_key():
    doc = {"version": RECORD_VERSION, "sha256": "ab" * 32, "grade": "REWORK",
           "reasons": REASONS, "components": [COMPONENT], "risk": 0.42, "flagged": True,
           "error": None}
    record = InspectionRecord.from_dict(json.loads(json.dumps(doc)))
    assert json.dumps(record.to_dict()) == json.dumps(doc)  # same keys, same order, same values
    (c,) = record.components
    assert c.class_label() == "spot" and c.outline[2] == (47, 47) and c.zones["edge"] == 480.0
    assert [r.kind for r in record.grade_reasons] == ["area"]
    assert record.borderline[0].display_text == "borderline: spot area near its limit"
    assert record.reasons[2].is_note and record.reasons[2].value == 3


def test_a_row_in_the_old_shape_loads_with_every_spelling_read_once():
    old = {"grade": "SCRAP", "risk": 0.9, "flagged": 1,  # no version: written before it
           "reasons": ["crack too long", {"kind": "borderline", "text": "near"}],
           "components": [
               {"class_name": "pore", "class_value": 2, "polygon": [[1, 1], [4, 1], [4, 3]],
                "zones": ["seal", "rim"], "grade": "SCRAP", "bbox": [1, 1, 4, 3]},
               {"class": 3, "zones": "seal", "grade": "OK"},  # "class" held the value
               {"class_value": 4, "contour": [[0, 0], [2, 2]], "zones": {"rim": 0.5}}]}
    record = InspectionRecord.from_dict(old)
    assert record.version == LEGACY_VERSION and record.flagged is True and record.error is None
    pore, three, four = record.components
    assert pore.class_label() == "pore" and pore.class_value == 2
    assert pore.outline == ((1, 1), (4, 1), (4, 3)) and list(pore.zones) == ["seal", "rim"]
    assert three.class_value == 3 and three.class_label({3: "dent"}) == "dent"
    assert three.class_label() == "class 3" and list(three.zones) == ["seal"]
    assert four.outline == ((0, 0), (2, 2)) and four.zones == {"rim": 0.5}
    assert [r.display_text for r in record.reasons] == ["crack too long", "borderline: near"]
    assert record.grade_reasons == [StoredReason("", "crack too long")]
    # Written back, it takes today's spellings only.
    again = record.to_dict()["components"][0]
    assert again["class"] == "pore" and again["contour"] == [[1, 1], [4, 1], [4, 3]]
    assert "polygon" not in again and "class_name" not in again


def test_a_part_that_could_not_be_read_is_flagged_with_the_highest_risk():
    record = InspectionRecord.failed("cannot decode the image", "cd" * 32)
    assert (record.grade, record.error, record.flagged, record.risk) == (
        None, "cannot decode the image", True, 1.0)
    assert InspectionRecord.from_dict(record.to_dict()) == record


def test_a_component_without_a_class_is_unknown():
    assert StoredComponent.from_dict({"grade": "OK"}).class_label({1: "crack"}) == "unknown"
