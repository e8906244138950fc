/**
 * Every conformance case of the KQL suites, in one list: run by kql.test.ts, and read by the schema
 * oracle report (schema-oracle.ts). A new cases file is added here.
 */
import type { Case } from './cases.js';
import { CASES as BASE_CASES } from './cases.js';
import { CASES as TABULAR_CASES } from './cases-tabular.js';
import { FUNCTION_CASES } from './cases-functions.js';
import { FIDELITY_CASES } from './cases-fidelity.js';
import { RUNTIME_CASES } from './cases-runtime.js';
import { OPERATOR_CASES } from './cases-operators.js';
import { EDGE_CASES } from './cases-edges.js';
import { PLUGIN_CASES } from './cases-plugins.js';
import { PLUGIN2_CASES } from './cases-plugins2.js';
import { TICK_CASES } from './cases-ticks.js';
import { GEO2_CASES } from './cases-geo2.js';
import { CATALOGUE_CASES } from './cases-catalogue.js';
import { OPS2_CASES } from './cases-ops2.js';
import { PLUGIN3_CASES } from './cases-plugins3.js';
import { GRAPH_CASES } from './cases-graph.js';
import { OPS3_CASES, PROJECT_BY_NAMES_CASES } from './cases-ops3.js';
import { DOCS_CASES, DOCS_CASES_2 } from './cases-docs.js';
import { DOCS2_CASES } from './cases-docs2.js';
import { TYPE_CASES } from './cases-types.js';

export const ALL_CASES: Case[] = [...BASE_CASES, ...TABULAR_CASES, ...FUNCTION_CASES, ...FIDELITY_CASES, ...RUNTIME_CASES, ...OPERATOR_CASES, ...EDGE_CASES, ...PLUGIN_CASES, ...TICK_CASES, ...PLUGIN2_CASES, ...GEO2_CASES, ...CATALOGUE_CASES, ...OPS2_CASES, ...PLUGIN3_CASES, ...GRAPH_CASES, ...OPS3_CASES, ...PROJECT_BY_NAMES_CASES, ...DOCS_CASES, ...DOCS_CASES_2, ...DOCS2_CASES, ...TYPE_CASES];
