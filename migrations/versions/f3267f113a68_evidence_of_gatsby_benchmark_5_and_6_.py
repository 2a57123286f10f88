"""Evidence of Gatsby Benchmark 5 and 6 activities

Revision ID: f3267f113a68
Revises: 1d1ddc411e76
Create Date: 2026-12-04 19:42:07.129433

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3267f113a68'
down_revision = '1d1ddc411e76'
branch_labels = None
depends_on = None


def upgrade():
    # application_id is SET NULL: the school's record of an experience outlives the employer's listing.
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_profile_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('activity_type', sa.String(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('duration_hours', sa.Float(), nullable=False),
    sa.Column('delivery_mode', sa.String(length=10), nullable=False),
    sa.Column('employer_name', sa.String(length=200), nullable=False),
    sa.Column('employer_size_band', sa.String(length=20), nullable=True),
    sa.Column('route', sa.String(length=30), nullable=True),
    sa.Column('benchmark', sa.String(length=3), nullable=False),
    sa.Column('criteria_met', sa.String(length=200), nullable=False),
    sa.Column('framework_version', sa.String(length=4), nullable=False),
    sa.Column('is_part_time_job', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("activity_type <> 'part_time_job' OR is_part_time_job", name=op.f('ck_evidence_part_time_job')),
    sa.CheckConstraint("activity_type IN ('employer_talk', 'careers_fair', 'mentoring', 'enterprise_challenge', 'mock_interview', 'workplace_visit', 'multi_day_visit', 'work_shadowing', 'work_experience_placement', 'virtual_work_experience', 'industry_placement_tlevel', 'supported_internship', 'part_time_job')", name=op.f('ck_evidence_activity_type')),
    sa.CheckConstraint("application_id IS NULL OR source = 'placement'", name=op.f('ck_evidence_application_source')),
    sa.CheckConstraint("benchmark IN ('GB5', 'GB6')", name=op.f('ck_evidence_benchmark')),
    sa.CheckConstraint("delivery_mode IN ('in_person', 'virtual', 'hybrid')", name=op.f('ck_evidence_delivery_mode')),
    sa.CheckConstraint("employer_size_band IS NULL OR employer_size_band IN ('self_employed', 'micro', 'small', 'medium', 'large')", name=op.f('ck_evidence_employer_size_band')),
    sa.CheckConstraint("framework_version IN ('2014', '2024')", name=op.f('ck_evidence_framework_version')),
    sa.CheckConstraint("route IS NULL OR route IN ('agriculture', 'business', 'care', 'catering', 'construction', 'creative', 'digital', 'education', 'engineering', 'hair_beauty', 'health_science', 'legal_finance', 'protective', 'sales_marketing', 'transport')", name=op.f('ck_evidence_route')),
    sa.CheckConstraint("source IN ('school', 'placement')", name=op.f('ck_evidence_source')),
    sa.CheckConstraint('duration_hours > 0 AND duration_hours <= 500', name=op.f('ck_evidence_duration_hours')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_evidence_application_id_application'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_evidence_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_profile_id', 'school_id'], ['student_profile.id', 'student_profile.school_id'], name='fk_evidence_student_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('application_id', name=op.f('uq_evidence_application_id'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        # Covers the dashboard's query: every column the rules read, for one school (evidence.rule_rows).
        batch_op.create_index('ix_evidence_rules', ['school_id', 'date', 'student_profile_id', 'activity_type', 'duration_hours', 'delivery_mode', 'benchmark', 'criteria_met', 'framework_version', 'is_part_time_job'], unique=False)
        batch_op.create_index('ix_evidence_student_date', ['student_profile_id', 'date'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_student_date')
        batch_op.drop_index('ix_evidence_rules')

    op.drop_table('evidence')
