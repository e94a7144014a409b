"""Judges Casebook's STIX 2.1 and MISP exports with the reference tools (run by scripts/check-interchange.sh).

Usage: check.py WORKDIR OTHER_INCIDENT_KEY, where WORKDIR holds observables.json (what Casebook holds),
case.stix.json, case.misp.json and reimported.json (the STIX bundle imported into a fresh incident).
Exits non-zero with a message on the first mismatch; the expectations below are written independently of the Rust
code so that a wrong mapping there cannot agree with itself.
"""

import json
import sys
from pathlib import Path

import stix2
import stix2validator
from pymisp import MISPEvent

# Casebook type -> (STIX object path of the value, MISP type, MISP category).
EXPECTED = {
    "ipv4": ("ipv4-addr:value", "ip-dst", "Network activity"),
    "ipv6": ("ipv6-addr:value", "ip-dst", "Network activity"),
    "domain": ("domain-name:value", "domain", "Network activity"),
    "url": ("url:value", "url", "Network activity"),
    "email": ("email-addr:value", "email-src", "Payload delivery"),
    "md5": ("file:hashes.MD5", "md5", "Payload delivery"),
    "sha1": ("file:hashes.'SHA-1'", "sha1", "Payload delivery"),
    "sha256": ("file:hashes.'SHA-256'", "sha256", "Payload delivery"),
    "file-name": ("file:name", "filename", "Payload delivery"),
    "account": ("user-account:account_login", "target-user", "Targeting data"),
    "registry-key": ("windows-registry-key:key", "regkey", "Persistence mechanism"),
    "other": (None, "other", "Other"),
}
TLP2 = {
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
}


def fail(message):
    print(f"check-interchange: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def stix_quote(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sco_value(obj, path):
    """The value a cyber-observable object holds at a pattern path such as file:hashes.'SHA-1'."""
    prop = path.split(":", 1)[1]
    if prop.startswith("hashes."):
        return obj.get("hashes", {}).get(prop[len("hashes."):].strip("'"))
    return obj.get(prop)


def check_stix(work, observables):
    bundle_path = work / "case.stix.json"
    results = stix2validator.validate_file(str(bundle_path), stix2validator.ValidationOptions(version="2.1"))
    errors = [e for r in results.object_results for e in r.errors]
    warnings = [w for r in results.object_results for w in r.warnings]
    expect(results.is_valid and not errors, f"stix2-validator reports errors: {[str(e) for e in errors]}")
    print(f"stix2-validator: valid, 0 errors, {len(warnings)} warnings (advice such as UUIDv4 ids; "
          "Casebook's ids are UUIDv5 on purpose, so re-exports update)")

    bundle = stix2.parse(bundle_path.read_text(), allow_custom=False)
    objects = list(bundle.objects)
    by_id = {o.id: o for o in objects}
    indicators = [o for o in objects if o.type == "indicator"]
    patterns = sorted(i.pattern for i in indicators)
    want = sorted(f"[{EXPECTED[o['kind']][0]} = {stix_quote(o['value'])}]"
                  for o in observables if o["ioc"] and o["kind"] != "other")
    expect(patterns == want, f"indicator patterns differ from the observables:\n{patterns}\n!=\n{want}")
    for i in indicators:
        expect(i.pattern_type == "stix", f"{i.id}: pattern_type {i.pattern_type}")
        expect(list(i.object_marking_refs) == [TLP2["amber"]], f"{i.id}: IOCs are TLP:AMBER, got {i.object_marking_refs}")

    plain = [o for o in observables if not o["ioc"] and o["kind"] != "other"]
    for o in plain:
        path = EXPECTED[o["kind"]][0]
        stix_type = path.split(":", 1)[0]
        found = [x for x in objects if x.type == stix_type and sco_value(x, path) == o["value"]]
        expect(len(found) == 1, f"no single {stix_type} object for {o['kind']} {o['value']!r}")
        expect(list(found[0].object_marking_refs) == [TLP2["green"]], f"{found[0].id}: marking")

    reports = [o for o in objects if o.type == "report"]
    expect(len(reports) == 1, f"one report expected, got {len(reports)}")
    refs = set(reports[0].object_refs)
    expect(len(refs) == len(indicators) + len(plain), "the report must refer to every indicator and observable")
    expect(all(r in by_id for r in refs), "every report reference must resolve inside the bundle")
    markings = {o.id for o in objects if o.type == "marking-definition"}
    expect(markings == set(TLP2.values()), f"markings must be the official TLP 2.0 objects, got {markings}")
    print(f"stix2: parsed {len(objects)} objects; {len(indicators)} indicator patterns and "
          f"{len(plain)} observables match what Casebook holds")


def check_misp(work, observables, other_key):
    event = MISPEvent(strict_validation=True)
    event.load_file(str(work / "case.misp.json"))
    attributes = {a.value: a for a in event.attributes}
    expect(len(attributes) == len(observables), f"{len(attributes)} attributes for {len(observables)} observables")
    for o in observables:
        a = attributes.get(o["value"])
        expect(a is not None, f"no MISP attribute for {o['value']!r}")
        _, misp_type, category = EXPECTED[o["kind"]]
        expect((a.type, a.category) == (misp_type, category),
               f"{o['value']!r}: MISP type/category {a.type}/{a.category}, expected {misp_type}/{category}")
        expect(a.to_ids == o["ioc"], f"{o['value']!r}: to_ids {a.to_ids} but IOC flag {o['ioc']}")
        expect([t.name for t in a.tags] == [f"tlp:{o['tlp']}"], f"{o['value']!r}: tags {[t.name for t in a.tags]}")
    shared = attributes["203.0.113.7"]
    sources = [s.source for s in shared.sightings]
    expect(sources == [f"Casebook {other_key}"], f"the shared indicator's sightings are {sources}")
    expect([t.name for t in event.tags] == ["tlp:amber"], f"event tags {[t.name for t in event.tags]}")
    print(f"pymisp: event loaded; {len(attributes)} attributes with the expected types, categories, "
          "to_ids, TLP tags and sightings")


def check_round_trip(work, observables):
    def facts(items):
        return sorted((o["kind"], o["value"], o["ioc"], o["tlp"]) for o in items if o["kind"] != "other")

    back = json.loads((work / "reimported.json").read_text())
    expect(facts(back) == facts(observables), "the STIX bundle imported into a fresh incident differs")
    print(f"round trip: {len(back)} observables imported from the bundle are the ones exported")


def main():
    work = Path(sys.argv[1])
    other_key = sys.argv[2]
    observables = json.loads((work / "observables.json").read_text())
    expect(len(observables) == 24, f"the case should hold 24 observables, got {len(observables)}")
    check_stix(work, observables)
    check_misp(work, observables, other_key)
    check_round_trip(work, observables)
    print("check-interchange: OK")


if __name__ == "__main__":
    main()
