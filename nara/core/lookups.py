"""`in` on integer columns that ignores numbers the database cannot hold.

Django already turns `pk=10**30` into "no match"; `pk__in=[3, 10**30]` instead crashes on
SQLite (OverflowError), so a form's hostile id list was a server error.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class InIntegerRange(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            internal_type = self.lhs.output_field.get_internal_type()
            low, high = connection.ops.integer_field_range(internal_type)
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or (low is None or value >= low)
                and (high is None or value <= high)
            ]
        return super().process_rhs(compiler, connection)


def register():
    IntegerField.register_lookup(InIntegerRange)
