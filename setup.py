"""Package definition for health_pipeline: the monthly customer health score on Dagster."""
from setuptools import find_packages, setup

setup(
    name="health_pipeline",
    version="0.1.0",
    description="Monthly customer health scores from Intercom, Jira, Looker and Salesforce, on Dagster.",
    python_requires=">=3.10",
    packages=find_packages(exclude=["health_pipeline_tests", "health_pipeline_tests.*"]),
    include_package_data=True,
    install_requires=[
        "dagster>=1.13,<1.14",
        "dagster-webserver>=1.13,<1.14",
        "dagster-graphql>=1.13,<1.14",
        "dagster-aws>=0.29,<0.30",
        "dagster-postgres>=0.29,<0.30",
        "pandas>=2.2,<3",
        "numpy>=1.26",
        "simple-salesforce>=1.12.6,<1.13",
        "looker-sdk>=25,<27",
        "requests>=2.31,<3",
        "pyyaml>=6,<7",
        # the sandbox's Salesforce emulator serves TLS on loopback with a CA made at start-up
        "trustme>=1.1,<2",
        "pyarrow>=15",
        # the learned model beside the rules
        "scikit-learn>=1.4,<2",
        # posts the monthly alert digest to a Slack incoming webhook
        "slack-sdk>=3.33,<4",
        # JWT bearer login: signing the assertion (simple_salesforce) and checking it in the Salesforce emulator
        "PyJWT[crypto]>=2.8,<3",
        "cryptography>=42",
        # the dashboard (health-pipeline dashboard)
        "streamlit>=1.50,<2",
        "plotly>=6,<8",
    ],
    extras_require={
        "dev": [
            "pytest>=8,<10",
            "moto[server,s3,secretsmanager]>=5,<6",
            "ruff>=0.6",
            # drives Debian's Chromium (never a downloaded browser) for the UI and dashboard browser tests
            "playwright>=1.50,<2",
        ],
    },
    entry_points={"console_scripts": ["health-pipeline=health_pipeline.commands.cli:main"]},
)
