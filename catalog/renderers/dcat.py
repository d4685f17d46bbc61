"""DCAT-AP 3.0 (Turtle and JSON-LD): Catalog, Dataset, Distribution, DataService, foaf:Agent.

Mapping of the national elements (see docs/catalog.md): 名称 → dct:title (zh + en), 摘要 →
dct:description, 代码 → dct:identifier, 提供方 → dct:publisher (foaf:Agent), 更新周期 →
dct:accrualPeriodicity (EU frequency), 共享/开放 → dct:accessRights (EU access-right), 关联资源
→ dct:relation, 发布日期 → dct:issued, 格式 → distribution dct:format. Every object a SHACL
shape constrains by class is typed in the graph, so the export validates without inference.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from catalog.model import Entry, FormatCategory, SharingType, UpdateCycle
from catalog.renderers.base import (
    CATALOG_DESCRIPTION_EN,
    CATALOG_DESCRIPTION_ZH,
    CATALOG_TITLE_EN,
    CATALOG_TITLE_ZH,
    ExportContext,
    Renderer,
)

EU = "http://publications.europa.eu/resource/authority/"
FREQ = Namespace(EU + "frequency/")
ACCESS = Namespace(EU + "access-right/")
FILE_TYPE = Namespace(EU + "file-type/")
THEME = Namespace(EU + "data-theme/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EDUHUB = Namespace("https://eduhub.jyt.jiangsu.gov.cn/def/catalog#")

THEMES = {"EDUC": "Education, culture and sport", "REGI": "Regions and cities"}

FREQUENCIES = {
    UpdateCycle.REALTIME: FREQ.UPDATE_CONT,
    UpdateCycle.DAILY: FREQ.DAILY,
    UpdateCycle.WEEKLY: FREQ.WEEKLY,
    UpdateCycle.MONTHLY: FREQ.MONTHLY,
    UpdateCycle.QUARTERLY: FREQ.QUARTERLY,
    UpdateCycle.HALF_YEARLY: FREQ.BIANNUAL,
    UpdateCycle.YEARLY: FREQ.ANNUAL,
    UpdateCycle.OTHER: FREQ.OTHER,
}

CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "skos": str(SKOS),
    "adms": str(ADMS),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
    "eduhub": str(EDUHUB),
}


def _file_type(entry: Entry) -> URIRef:
    if entry.format.category is FormatCategory.SPREADSHEET:
        return FILE_TYPE[entry.format.type.upper()]
    if "GeoJSON" in entry.format.type:
        return FILE_TYPE.GEOJSON
    return FILE_TYPE.JSON


def _access_right(entry: Entry) -> URIRef:
    if entry.openness.open:
        return ACCESS.PUBLIC
    if entry.sharing.type is SharingType.NOT_SHARED:
        return ACCESS.NON_PUBLIC
    return ACCESS.RESTRICTED


class DcatGraph:
    """Builds the rdflib graph once; the two serialisations share it."""

    def __init__(self, entries: list[Entry], context: ExportContext) -> None:
        self.context = context
        self.base = context.base_uri.rstrip("/")
        self.graph = Graph()
        for prefix, uri in CONTEXT.items():
            self.graph.bind(prefix, uri)
        self.agents: dict[str, URIRef] = {}
        self.ids = {e.code: e.id for e in entries}
        self.catalog = URIRef(f"{self.base}/api/v1/catalog")
        self.service = URIRef(f"{self.base}/api/v1/catalog#service")
        self._catalog(entries)

    def _typed(self, node: URIRef, cls: URIRef, label: str | None = None) -> URIRef:
        self.graph.add((node, RDF.type, cls))
        if label:
            self.graph.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        return node

    def _agent(self, entry: Entry) -> URIRef:
        code = entry.provider.code
        if code not in self.agents:
            node = URIRef(f"{self.base}/api/3/action/organization_show?id={code}")
            g = self.graph
            g.add((node, RDF.type, FOAF.Agent))
            g.add((node, FOAF.name, Literal(entry.provider.name, lang="zh")))
            if entry.provider.name_en:
                g.add((node, FOAF.name, Literal(entry.provider.name_en, lang="en")))
            g.add((node, DCTERMS.identifier, Literal(code)))
            self.agents[code] = node
        return self.agents[code]

    def _catalog(self, entries: list[Entry]) -> None:
        g, cat = self.graph, self.catalog
        g.add((cat, RDF.type, DCAT.Catalog))
        g.add((cat, DCTERMS.title, Literal(CATALOG_TITLE_ZH, lang="zh")))
        g.add((cat, DCTERMS.title, Literal(CATALOG_TITLE_EN, lang="en")))
        g.add((cat, DCTERMS.description, Literal(CATALOG_DESCRIPTION_ZH, lang="zh")))
        g.add((cat, DCTERMS.description, Literal(CATALOG_DESCRIPTION_EN, lang="en")))
        g.add((cat, DCTERMS.hasVersion, Literal(self.context.version)))
        g.add((cat, DCTERMS.modified, Literal(self.context.generated.date(), datatype=XSD.date)))
        homepage = self._typed(URIRef(f"{self.base}/"), FOAF.Document)
        g.add((cat, FOAF.homepage, homepage))
        g.add((cat, DCTERMS.spatial, self._region("320000")))
        self._data_service()
        g.add((cat, DCAT.service, self.service))
        publisher = None
        for entry in entries:
            dataset = self._dataset(entry)
            g.add((cat, DCAT.dataset, dataset))
            g.add((self.service, DCAT.servesDataset, dataset))
            publisher = publisher or self._agent(entry)
        if publisher is not None:
            g.add((cat, DCTERMS.publisher, publisher))
            g.add((self.service, DCTERMS.publisher, publisher))

    def _data_service(self) -> None:
        g, svc = self.graph, self.service
        g.add((svc, RDF.type, DCAT.DataService))
        g.add((svc, DCTERMS.title, Literal("江苏省教育数据交换接口", lang="zh")))
        g.add((svc, DCTERMS.title, Literal("Jiangsu education data exchange API", lang="en")))
        endpoint = self._typed(URIRef(f"{self.base}/api/v1/"), RDFS.Resource)
        description = self._typed(URIRef(f"{self.base}/openapi.json"), RDFS.Resource)
        g.add((svc, DCAT.endpointURL, endpoint))
        g.add((svc, DCAT.endpointDescription, description))

    def _dataset_uri(self, resource_id: str) -> URIRef:
        return URIRef(f"{self.base}/api/v1/catalog/resources/{resource_id}")

    def _region(self, adcode: str) -> URIRef:
        node = URIRef(f"{self.base}/api/v1/regions/{adcode}")
        self.graph.add((node, RDF.type, DCTERMS.Location))
        self.graph.add((node, DCTERMS.identifier, Literal(adcode)))
        return node

    def _dataset(self, entry: Entry) -> URIRef:
        g = self.graph
        ds = self._dataset_uri(entry.id)
        g.add((ds, RDF.type, DCAT.Dataset))
        g.add((ds, DCTERMS.title, Literal(entry.name, lang="zh")))
        g.add((ds, DCTERMS.title, Literal(entry.name_en, lang="en")))
        g.add((ds, DCTERMS.description, Literal(entry.abstract, lang="zh")))
        if entry.abstract_en:
            g.add((ds, DCTERMS.description, Literal(entry.abstract_en, lang="en")))
        g.add((ds, DCTERMS.identifier, Literal(entry.code)))
        g.add((ds, DCTERMS.publisher, self._agent(entry)))
        g.add((ds, DCTERMS.issued, Literal(entry.published, datatype=XSD.date)))
        freq = self._typed(FREQUENCIES[entry.update_cycle], DCTERMS.Frequency)
        g.add((ds, DCTERMS.accrualPeriodicity, freq))
        rights = self._typed(_access_right(entry), DCTERMS.RightsStatement)
        g.add((ds, DCTERMS.accessRights, rights))
        theme_code = "REGI" if entry.classification.class_code == "1" else "EDUC"
        theme = self._typed(THEME[theme_code], SKOS.Concept, THEMES[theme_code])
        g.add((ds, DCAT.theme, theme))
        for keyword in entry.keywords:
            g.add((ds, DCAT.keyword, Literal(keyword, lang="zh")))
        for adcode in entry.spatial_coverage:
            g.add((ds, DCTERMS.spatial, self._region(adcode)))
        for code in entry.related:
            if code in self.ids:
                g.add((ds, DCTERMS.relation, self._dataset_uri(self.ids[code])))
        landing = self._typed(
            URIRef(f"{self.base}/api/v1/catalog/resources/{entry.id}"), FOAF.Document
        )
        g.add((ds, DCAT.landingPage, landing))
        g.add((ds, EDUHUB.sharingType, Literal(entry.sharing.type.value, lang="zh")))
        if entry.sharing.condition:
            g.add((ds, EDUHUB.sharingCondition, Literal(entry.sharing.condition, lang="zh")))
        g.add((ds, EDUHUB.openToPublic, Literal(entry.openness.open)))
        g.add((ds, EDUHUB.classificationCode, Literal(entry.classification.code)))
        for item in entry.items:
            node = BNode()
            g.add((ds, EDUHUB.infoItem, node))
            g.add((node, RDFS.label, Literal(item.name, lang="zh")))
            g.add((node, EDUHUB.field, Literal(item.field)))
            g.add((node, EDUHUB.dataType, Literal(item.data_type.value)))
            g.add((node, EDUHUB.personal, Literal(item.personal)))
        g.add((ds, DCAT.distribution, self._distribution(entry)))
        return ds

    def _distribution(self, entry: Entry) -> URIRef:
        g = self.graph
        dist = URIRef(f"{self.base}/api/v1/catalog/resources/{entry.id}#distribution")
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{entry.name}（{entry.format.type}）", lang="zh")))
        g.add((dist, DCAT.accessURL, URIRef(f"{self.base}/api/v1/catalog/resources/{entry.id}")))
        g.add((dist, DCAT.accessService, self.service))
        fmt = self._typed(_file_type(entry), DCTERMS.MediaTypeOrExtent)
        g.add((dist, DCTERMS["format"], fmt))
        if entry.openness.open:
            licence = URIRef(f"{self.base}/open-data/terms")
            g.add((licence, RDF.type, DCTERMS.LicenseDocument))
            g.add((licence, RDFS.label, Literal(entry.openness.condition or "开放", lang="zh")))
            g.add((dist, DCTERMS.license, licence))
        return dist


class TurtleRenderer(Renderer):
    name = "ttl"
    media_type = "text/turtle; charset=utf-8"
    extension = "ttl"

    def render(self, entries: list[Entry], context: ExportContext) -> bytes:
        return DcatGraph(entries, context).graph.serialize(format="turtle").encode("utf-8")


class JsonLdRenderer(Renderer):
    name = "jsonld"
    media_type = "application/ld+json"
    extension = "jsonld"

    def render(self, entries: list[Entry], context: ExportContext) -> bytes:
        graph = DcatGraph(entries, context).graph
        return graph.serialize(format="json-ld", context=CONTEXT, indent=2).encode("utf-8")
