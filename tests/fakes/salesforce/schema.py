"""Object metadata (what describe answers), for the standard objects the project uses.

Field names, types, key prefixes and picklists follow the "Object Reference for the Salesforce
Platform" (Lead, Contact, Account, Opportunity, Case, Campaign, Task, LeadStatus,
OpportunityStage, User). The describe JSON shape follows REST API Developer Guide
"sObject Describe" (resources_sobject_describe.htm): top-level name/label/labelPlural/keyPrefix/
createable/updateable/deletable/queryable/searchable/fields[]/urls, each field with name, label,
type, length, createable, updateable, nillable, defaultedOnCreate, picklistValues
[{value,label,active,defaultValue}], referenceTo, relationshipName, soapType.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT_TYPES = {"string", "email", "phone", "textarea", "picklist", "url", "combobox"}
NUMBER_TYPES = {"double", "currency", "percent", "int"}
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}


@dataclass
class FieldDef:
    name: str
    type: str
    label: str = ""
    length: int = 0
    createable: bool = True
    updateable: bool = True
    nillable: bool = True
    defaulted: bool = False
    picklist: tuple[str, ...] = ()  # API names
    picklist_labels: dict[str, str] = field(default_factory=dict)  # API name -> label if renamed
    default: object = None
    restricted: bool = False
    ref: tuple[str, ...] = ()
    rel: str | None = None
    custom: bool = False
    name_field: bool = False

    @property
    def required(self) -> bool:
        """Required on create: not nillable, createable and not defaulted (describe rule)."""
        return self.createable and not self.nillable and not self.defaulted

    def describe(self) -> dict:
        numeric = self.type in NUMBER_TYPES
        return {
            "aggregatable": self.type != "textarea",
            "autoNumber": self.name == "CaseNumber",
            "byteLength": self.length * 3,
            "calculated": False,
            "caseSensitive": False,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default if self.type == "boolean" else None,
            "defaultedOnCreate": self.defaulted,
            "digits": 9 if self.type == "int" else 0,
            "externalId": False,
            "filterable": self.type != "textarea",
            "groupable": self.type not in {"textarea", "double", "currency", "percent"},
            "idLookup": self.type == "id" or self.name in {"Email", "Name", "Username"},
            "label": self.label or self.name,
            "length": self.length,
            "name": self.name,
            "nameField": self.name_field,
            "nillable": self.nillable,
            "picklistValues": [
                {
                    "active": True,
                    "defaultValue": v == self.default,
                    "label": self.picklist_labels.get(v, v),
                    "validFor": None,
                    "value": v,
                }
                for v in self.picklist
            ],
            "precision": 18 if numeric and self.type != "int" else 0,
            "referenceTo": list(self.ref),
            "relationshipName": self.rel,
            "restrictedPicklist": self.restricted,
            "scale": 2 if numeric and self.type != "int" else 0,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "sortable": self.type != "textarea",
            "type": self.type,
            "unique": self.name in {"Id", "Username"},
            "updateable": self.updateable,
        }


@dataclass
class ObjectDef:
    name: str
    label: str
    label_plural: str
    prefix: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    searchable: bool = True
    name_fields: tuple[str, ...] = ("Name",)

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def describe(self, version: str) -> dict:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "activateable": False,
            "childRelationships": [],
            "createable": self.createable,
            "custom": False,
            "customSetting": False,
            "deletable": self.deletable,
            "feedEnabled": False,
            "fields": [f.describe() for f in self.fields.values()],
            "keyPrefix": self.prefix,
            "label": self.label,
            "labelPlural": self.label_plural,
            "layoutable": self.createable,
            "mergeable": self.name in {"Lead", "Contact", "Account", "Case"},
            "name": self.name,
            "queryable": True,
            "recordTypeInfos": [],
            "replicateable": True,
            "retrieveable": True,
            "searchable": self.searchable,
            "triggerable": self.createable,
            "undeletable": self.deletable,
            "updateable": self.updateable,
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }

    def summary(self, version: str) -> dict:
        d = self.describe(version)
        d.pop("fields")
        d.pop("childRelationships")
        d.pop("recordTypeInfos")
        return d
