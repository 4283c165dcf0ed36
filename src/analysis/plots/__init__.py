"""Every figure of the package, in the CJK font, one module per subject.

style       what all figures share: the font, colours, the "no data" panel, grids of panels
corpus      report_lengths
frequency   terms_bar, terms_bar_html, terms_facets, terms_facets_html, keyness_bar, keyness_bar_html, keyness_facets,
            keyness_facets_html
indicators  shared_keys_chart, key_distribution_chart, specificity_chart
themes      theme_heatmap, residual_heatmap, coverage_heatmap (each also *_html), checklist_chart, shares_chart
profile     ratio_chart, ratio_chart_html (a town's figures against the corpus median)
html        BarChart: a bar chart the browser draws (the ``*_html`` charts); ChartGrid: several side by side;
            HeatTable: a heat map as a table of coloured cells
svg         PointChart: dots, lines and words the browser draws as SVG (the networks' and biplots' ``*_html``)
talk        network_chart, network_chart_html, network_facets, network_facets_html, biplot, biplot_html,
            topic_terms_chart, topic_terms_chart_html, topic_shares_chart, topic_shares_chart_html
years       fulfilment_chart, trend_chart, carried_chart, citations_chart

Word clouds are drawn by ``analysis.wordclouds``.  Every figure function is
also a name of this package (``analysis.plots.terms_bar``): a notebook
imports ``from analysis import plots`` and calls ``plots.<figure>``.  A new
figure goes in the module of its subject (a new subject: a new module,
re-exported here).
"""

from __future__ import annotations

from .corpus import report_lengths
from .frequency import (
    keyness_bar,
    keyness_bar_html,
    keyness_facets,
    keyness_facets_html,
    terms_bar,
    terms_bar_html,
    terms_facets,
    terms_facets_html,
)
from .html import BarChart, ChartGrid, HeatTable
from .indicators import key_distribution_chart, shared_keys_chart, specificity_chart
from .profile import ratio_chart, ratio_chart_html
from .style import font_path, no_data, use_cjk_font
from .svg import PointChart
from .talk import (
    biplot,
    biplot_html,
    network_chart,
    network_chart_html,
    network_facets,
    network_facets_html,
    topic_shares_chart,
    topic_shares_chart_html,
    topic_terms_chart,
    topic_terms_chart_html,
)
from .themes import (
    checklist_chart,
    coverage_heatmap,
    coverage_heatmap_html,
    residual_heatmap,
    residual_heatmap_html,
    shares_chart,
    theme_heatmap,
    theme_heatmap_html,
)
from .years import carried_chart, citations_chart, fulfilment_chart, trend_chart

__all__ = [
    "BarChart",
    "ChartGrid",
    "HeatTable",
    "PointChart",
    "biplot",
    "biplot_html",
    "carried_chart",
    "checklist_chart",
    "citations_chart",
    "coverage_heatmap",
    "coverage_heatmap_html",
    "font_path",
    "fulfilment_chart",
    "key_distribution_chart",
    "keyness_bar",
    "keyness_bar_html",
    "keyness_facets",
    "keyness_facets_html",
    "network_chart",
    "network_chart_html",
    "network_facets",
    "network_facets_html",
    "no_data",
    "ratio_chart",
    "ratio_chart_html",
    "report_lengths",
    "residual_heatmap",
    "residual_heatmap_html",
    "shared_keys_chart",
    "shares_chart",
    "specificity_chart",
    "terms_bar",
    "terms_bar_html",
    "terms_facets",
    "terms_facets_html",
    "theme_heatmap",
    "theme_heatmap_html",
    "topic_shares_chart",
    "topic_shares_chart_html",
    "topic_terms_chart",
    "topic_terms_chart_html",
    "trend_chart",
    "use_cjk_font",
]
