"""The DCAT-AP 3.0 export conforms to the official SHACL shapes and carries both languages."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph, Literal
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH
from rdflib.term import Node

from catalog.renderers import ExportContext
from catalog.renderers.dcat import JsonLdRenderer, TurtleRenderer
from tests.catalog.factories import shapes_dir, shipped_entries

CONTEXT = ExportContext(version="1.0")
SHAPES = "https://semiceu.github.io/DCAT-AP/releases/3.0.1#"
# sh:property links of the 3.0.1 release to property shapes that neither file defines (no
# triple at all, so no constraint is lost by dropping them); pyshacl refuses such a link.
DANGLING = {
    ("dcat:DatasetShape", "4918ff7a6c1c4b0eea6403dca4b992b87ee1f4ab"),
    ("dcat:DatasetShape", "95c69c99a1e3ade043911b51b942f206dea0e68d"),
    ("dcat:DistributionShape", "653804840386e33525b3d39d205c174780be414b"),
    ("dcat:DistributionShape", "a07d6e7a0a1790b89a1ce7ff602cbbd9ea835282"),
    ("dcat:RelationshipShape", "b7aa98e1befa5130659568aa62e7f38575dc17c1"),
}


def release_shapes() -> Graph:
    """dcat-ap-SHACL.ttl and ranges.ttl of DCAT-AP 3.0.1, both whole."""
    root = shapes_dir()
    graph = Graph().parse(root / "dcat-ap-SHACL.ttl", format="turtle")
    return graph.parse(root / "ranges.ttl", format="turtle")


def dangling_links(graph: Graph) -> set[tuple[Node, Node]]:
    """(node shape, property shape) links whose property shape has no triple in ``graph``."""
    return {
        (shape, prop)
        for shape, prop in graph.subject_objects(SH.property)
        if next(graph.triples((prop, None, None)), None) is None
    }


def dcat_ap_shapes() -> Graph:
    """The two files of the release, less the links to property shapes defined nowhere."""
    graph = release_shapes()
    for shape, prop in dangling_links(graph):
        graph.remove((shape, SH.property, prop))
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return dcat_ap_shapes()


def test_only_the_five_dangling_links_of_the_release_are_dropped(shapes: Graph) -> None:
    whole = release_shapes()
    dropped = {
        (str(shape).removeprefix(SHAPES), str(prop).removeprefix(SHAPES).split("/")[1])
        for shape, prop in dangling_links(whole)
    }
    assert dropped == DANGLING
    assert len(whole) - len(shapes) == len(DANGLING)


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


def test_ranges_shapes_catch_an_endpoint_url_given_as_text(turtle: Graph, shapes: Graph) -> None:
    """dcat:endpointURL must be a resource: a constraint that only ranges.ttl defines."""
    broken = Graph()
    for triple in turtle:
        broken.add(triple)
    service = next(broken.subjects(RDF.type, DCAT.DataService))
    broken.set((service, DCAT.endpointURL, Literal("https://eduhub.jyt.jiangsu.gov.cn/api/v1/")))
    report = _violations(broken, shapes)
    assert "ClassConstraintComponent" in report
    assert "endpointURL" in report


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
