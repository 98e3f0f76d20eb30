"""merge skill rounds

Revision ID: fb144ca1cbb3
Revises: 069cd50d90ff, 35fb8b79fc3a
Create Date: 2026-11-26 11:17:46.930122

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fb144ca1cbb3'
down_revision = ('069cd50d90ff', '35fb8b79fc3a')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
