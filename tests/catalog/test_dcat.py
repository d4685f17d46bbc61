"""The DCAT-AP 3.0 export conforms to the official SHACL shapes and carries both languages."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH

from catalog.renderers import ExportContext
from catalog.renderers.dcat import JsonLdRenderer, TurtleRenderer
from tests.catalog.factories import shapes_dir, shipped_entries

CONTEXT = ExportContext(version="1.0")


def dcat_ap_shapes() -> Graph:
    """dcat-ap-SHACL.ttl, with the two DataService property shapes it names but defines only
    in its sibling ranges.ttl (same release, same IRIs) copied in; pyshacl refuses a shape
    reference it cannot resolve. Nothing else of ranges.ttl is loaded (see the shapes README).
    """
    root = shapes_dir()
    shapes = Graph().parse(root / "dcat-ap-SHACL.ttl", format="turtle")
    ranges = Graph().parse(root / "ranges.ttl", format="turtle")
    for prop in list(shapes.objects(None, SH.property)):
        if shapes.value(prop, SH.path) is None:
            for triple in ranges.triples((prop, None, None)):
                shapes.add(triple)
    return shapes


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return dcat_ap_shapes()


@pytest.fixture(scope="module")
def turtle() -> Graph:
    data = TurtleRenderer().render(shipped_entries(), CONTEXT)
    return Graph().parse(data=data, format="turtle")


def _violations(data: Graph, shapes: Graph) -> str:
    conforms, _, text = validate(data, shacl_graph=shapes, inference="none")
    return "" if conforms else text


def test_turtle_export_conforms_to_dcat_ap_shapes(turtle: Graph, shapes: Graph) -> None:
    assert _violations(turtle, shapes) == ""


def test_jsonld_export_conforms_to_dcat_ap_shapes(shapes: Graph) -> None:
    data = JsonLdRenderer().render(shipped_entries(), CONTEXT)
    assert _violations(Graph().parse(data=data, format="json-ld"), shapes) == ""


def test_shapes_catch_a_dataset_without_title(turtle: Graph, shapes: Graph) -> None:
    broken = Graph()
    for triple in turtle:
        broken.add(triple)
    dataset = next(broken.subjects(RDF.type, DCAT.Dataset))
    broken.remove((dataset, DCTERMS.title, None))
    assert "MinCountConstraintComponent" in _violations(broken, shapes)


def test_export_holds_one_dataset_per_entry(turtle: Graph) -> None:
    identifiers = {
        str(turtle.value(d, DCTERMS.identifier)) for d in turtle.subjects(RDF.type, DCAT.Dataset)
    }
    assert identifiers == {e.code for e in shipped_entries()}


def test_export_titles_carry_chinese_and_english_tags(turtle: Graph) -> None:
    for dataset in turtle.subjects(RDF.type, DCAT.Dataset):
        langs = {getattr(t, "language", None) for t in turtle.objects(dataset, DCTERMS.title)}
        assert langs == {"zh", "en"}


def test_export_publishers_are_foaf_agents(turtle: Graph) -> None:
    publishers = set(turtle.objects(None, DCTERMS.publisher))
    assert publishers
    assert all((p, RDF.type, FOAF.Agent) in turtle for p in publishers)


def test_export_has_catalog_distribution_and_data_service(turtle: Graph) -> None:
    for cls in (DCAT.Catalog, DCAT.Distribution, DCAT.DataService):
        assert any(turtle.subjects(RDF.type, cls)), cls


def test_shapes_are_found_beside_the_repository() -> None:
    assert (shapes_dir() / "dcat-ap-SHACL.ttl").is_file()
