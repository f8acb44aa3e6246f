"""factory_boy factories for the foundation records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from koers.org.models import OrgUnit, Person
from koers.sales import models as sm


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-1")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = OrgUnit.Kind.TEAM

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from koers.org.services import unit_save

        return unit_save(unit=model_class(*args, **kwargs), by=None)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    role = "salesperson"
    start_date = dt.date(2024, 1, 1)
    base_salary = Decimal("50000.00")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Account

    name = factory.Sequence(lambda n: f"Account {n}")
    lifecycle = sm.Account.Lifecycle.LOYAL


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.ProductGroup
        django_get_or_create = ("code",)

    code = "PMP"
    name = "Pumps"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Product

    name = factory.Sequence(lambda n: f"Product {n}")
    group = factory.SubFactory(ProductGroupFactory)
    list_price = Decimal("100.00")
    standard_cost = Decimal("70.00")
