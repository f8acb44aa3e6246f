"""The sales foundation: the single source of truth every phase reads."""

from koers.sales.models.accounts import (
    Account,
    Product,
    ProductGroup,
    Territory,
    TerritoryAccount,
    TerritoryPerson,
)
from koers.sales.models.currencies import CurrencyBasis, CurrencySwitch, ExchangeRate
from koers.sales.models.marketing import CampaignCost, LeadTouch
from koers.sales.models.pipeline import (
    Activity,
    Campaign,
    CloseReason,
    Lead,
    Opportunity,
    OpportunitySplit,
    SalesProcess,
    Stage,
    StageChange,
)
from koers.sales.models.transactions import (
    NpsResponse,
    OrderLine,
    OrderLineCredit,
)

__all__ = [
    "Account",
    "Activity",
    "Campaign",
    "CampaignCost",
    "CloseReason",
    "CurrencyBasis",
    "CurrencySwitch",
    "ExchangeRate",
    "Lead",
    "LeadTouch",
    "NpsResponse",
    "Opportunity",
    "OpportunitySplit",
    "OrderLine",
    "OrderLineCredit",
    "Product",
    "ProductGroup",
    "SalesProcess",
    "Stage",
    "StageChange",
    "Territory",
    "TerritoryAccount",
    "TerritoryPerson",
]
