"""merge calendar feeds and mfa columns

Revision ID: 35fb8b79fc3a
Revises: 11784e967e04, 51e846df9629
Create Date: 2026-11-26 11:01:07.458913

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '35fb8b79fc3a'
down_revision = ('11784e967e04', '51e846df9629')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
