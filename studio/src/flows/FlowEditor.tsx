/**
 * The flow editor: palette, canvas (React Flow) and side panel. The graph lives here as React
 * Flow nodes and edges; every edit records an undo snapshot, and live validation
 * (POST /flows/validate, debounced) puts problems on the nodes and in the problems list.
 */
import { ActionIcon, Alert, Badge, Button, Group, Kbd, Modal, Popover, Select, Stack, Table, Tabs, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { notify } from './notify';
import { IconArrowBackUp, IconArrowForwardUp, IconHierarchy, IconKeyboard, IconPlayerPlay, IconDeviceFloppy, IconEye, IconTrash, IconX } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, ApiProblem, idempotencyKey } from '../api/client';
import { entityColors } from '../theme/theme';
import type { AccountOption } from './AccountPicker';
import { AmountEdge } from './AmountEdge';
import { connectionOptions, connectionRefusal } from './connection-rules';
import { EditorContext, type EditorContextValue, type Overlay } from './editor-context';
import { flowKeys, type FlowGraph, type FlowProblem, type FlowSettings, type FlowView, type NodeTypeInfo, type Plan, type PreviewAnswer, type RunView, type TriggerInput } from './flow-api';
import { FlowNodeCard } from './FlowNodeCard';
import { FlowSettingsPanel } from './FlowSettingsPanel';
import { fieldErrorsOf, freshEdgeId, freshNodeId, fromGraph, overlayOf, pasteCopies, problemsByNode, toGraph, type CanvasEdge, type CanvasNode } from './graph-convert';
import { catalogueOf, defaultData, outputsOf } from './handles';
import { checkpoint, emptyStacks, redoStep, undoStep, type Stacks } from './history';
import { layoutGraph } from './layout';
import { Palette, paletteMimeType } from './Palette';
import { PlanSummary, TraceTable } from './PlanSummary';
import { ProblemsList } from './ProblemsList';
import { invalidateLedger, RunsPanel } from './RunsPanel';
import { SchemaForm } from './SchemaForm';
import { VersionsPanel } from './VersionsPanel';
import './flow-editor.css';

export const validateDelayMs = 400;

export const shortcuts: { keys: string; action: string }[] = [
  { keys: 'Ctrl/⌘ + Z', action: 'Undo' },
  { keys: 'Ctrl/⌘ + Shift + Z, Ctrl + Y', action: 'Redo' },
  { keys: 'Ctrl/⌘ + C / V', action: 'Copy / paste the selected nodes' },
  { keys: 'Delete, Backspace', action: 'Delete the selection' },
  { keys: 'Ctrl/⌘ + S', action: 'Save (a new version)' },
  { keys: 'Ctrl/⌘ + Enter', action: 'Preview (dry run)' },
  { keys: 'Shift + L', action: 'Auto-layout' },
  { keys: 'Tab, Enter, arrows', action: 'Focus a node, select it, move it' },
  { keys: 'Shift + ?', action: 'Show these shortcuts' },
];

const fitViewOptions = { padding: 0.15 };
const defaultEdgeOptions = { type: 'amount' };
const proOptions = { hideAttribution: true };
const ariaLabels = { 'node.a11yDescription.default': 'Press Enter or Space to select this node. Use the arrow keys to move it, Delete to remove it. Its settings are in the side panel.' };
const deleteKeys = ['Delete', 'Backspace'];
const multiSelectKeys = ['Meta', 'Control', 'Shift'];

/** The handle under (or within React Flow's 20 px connection radius of) a point; the connection line may lie on top of it. */
function handleNear(x: number, y: number): Element | null {
  const under = document.elementsFromPoint(x, y).find((element) => element.classList.contains('react-flow__handle'));
  if (under) return under;
  let best: { element: Element; distance: number } | null = null;
  for (const element of document.querySelectorAll('.react-flow__handle')) {
    const box = element.getBoundingClientRect();
    const distance = Math.hypot(box.left + box.width / 2 - x, box.top + box.height / 2 - y);
    if (distance <= 20 && (!best || distance < best.distance)) best = { element, distance };
  }
  return best?.element ?? null;
}

const isTyping = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export interface FlowEditorProps {
  flow: FlowView | null;
  nodeTypes: NodeTypeInfo[];
  accounts: AccountOption[];
}

export function FlowEditor(props: FlowEditorProps) {
  return (
    <ReactFlowProvider>
      <EditorBody {...props} />
    </ReactFlowProvider>
  );
}

type PanelTab = 'node' | 'problems' | 'preview' | 'runs' | 'versions' | 'flow';

/** Marks when the editor first renders with its data (the studio benchmark times the canvas from here). */
export const editorMountMark = 'sluice:flow-editor-mount';

function EditorBody({ flow, nodeTypes, accounts }: FlowEditorProps) {
  useState(() => performance.mark(editorMountMark));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const reactFlow = useReactFlow();
  const catalogue = useMemo(() => catalogueOf(nodeTypes), [nodeTypes]);
  const accountsById = useMemo(() => new Map(accounts.map((account) => [account.id, account])), [accounts]);
  const nodeComponents = useMemo(() => Object.fromEntries(nodeTypes.map((info) => [info.type, FlowNodeCard])), [nodeTypes]);
  const edgeComponents = useMemo(() => ({ amount: AmountEdge }), []);

  const initial = useMemo(() => fromGraph(flow?.graph ?? { nodes: [], edges: [] }), [flow]);
  const [nodes, setNodes] = useState<CanvasNode[]>(initial.nodes);
  const [edges, setEdges] = useState<CanvasEdge[]>(initial.edges);
  const [name, setName] = useState(flow?.name ?? 'Untitled flow');
  const [description, setDescription] = useState(flow?.description ?? '');
  const [settings, setSettings] = useState<FlowSettings>(flow?.settings ?? { currency: 'USD' });
  const [stacks, setStacks] = useState<Stacks<FlowGraph>>(emptyStacks());
  const [editCount, setEditCount] = useState(0);
  const [savedCount, setSavedCount] = useState(0);
  const [problems, setProblems] = useState<FlowProblem[]>(flow?.problems ?? []);
  const [checking, setChecking] = useState(false);
  const [overlay, setOverlay] = useState<Overlay | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [tab, setTab] = useState<PanelTab>('node');
  const [saving, setSaving] = useState(false);
  const [preview, setPreview] = useState<PreviewAnswer | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [testAmount, setTestAmount] = useState('1000.00');
  const [runDialog, setRunDialog] = useState<{ key: string; plan: Plan | null; problems: FlowProblem[]; loading: boolean; running: boolean; error?: string } | null>(null);
  const [selectedRunId, setSelectedRunId] = useState<string | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const flowId = flow?.id ?? null;
  const dirty = editCount !== savedCount || !flowId;

  const nodesRef = useRef(nodes);
  const edgesRef = useRef(edges);
  nodesRef.current = nodes;
  edgesRef.current = edges;
  const clipboard = useRef<FlowGraph | null>(null);
  const lastSettingsEdit = useRef<{ nodeId: string; at: number } | null>(null);
  const canvasRef = useRef<HTMLDivElement>(null);

  const currentGraph = useCallback(() => toGraph(nodesRef.current, edgesRef.current), []);
  /** Call before an edit: the graph as it is now becomes an undo step. */
  const record = useCallback(() => {
    setStacks((current) => checkpoint(current, toGraph(nodesRef.current, edgesRef.current)));
    setEditCount((count) => count + 1);
    lastSettingsEdit.current = null;
  }, []);
  const restore = useCallback((graph: FlowGraph) => {
    const next = fromGraph(graph);
    setNodes(next.nodes);
    setEdges(next.edges);
    setEditCount((count) => count + 1);
  }, []);
  const undo = useCallback(() => {
    setStacks((current) => {
      const { stacks: next, restored } = undoStep(current, toGraph(nodesRef.current, edgesRef.current));
      if (restored) restore(restored);
      return next;
    });
    setAnnouncement('Undone');
  }, [restore]);
  const redo = useCallback(() => {
    setStacks((current) => {
      const { stacks: next, restored } = redoStep(current, toGraph(nodesRef.current, edgesRef.current));
      if (restored) restore(restored);
      return next;
    });
    setAnnouncement('Redone');
  }, [restore]);

  // Live validation: the server's validator is the one truth; the editor only asks it often.
  useEffect(() => {
    if (editCount === 0) return;
    const controller = new AbortController();
    setChecking(true);
    const timer = window.setTimeout(() => {
      api<{ problems: FlowProblem[] }>('/flows/validate', { method: 'POST', body: { graph: currentGraph(), settings }, signal: controller.signal })
        .then((answer) => setProblems(answer.problems))
        .catch((error: unknown) => {
          if ((error as Error).name === 'AbortError') return;
          if (error instanceof ApiProblem) setProblems(error.errors.map((fieldError) => ({ field: fieldError.field, message: fieldError.message, code: fieldError.code })));
        })
        .finally(() => setChecking(false));
    }, validateDelayMs);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [editCount, settings, currentGraph]);

  // An edit makes the overlay stale: it described another graph.
  useEffect(() => {
    if (editCount > 0) setOverlay((current) => (current?.source === 'Preview' ? null : current));
  }, [editCount]);

  // Flows saved elsewhere (templates, the API) may place nodes closer than the editor draws them:
  // lay such a flow out once when it opens. Positions are cosmetic, so this is not an edit.
  const nodesInitialized = useNodesInitialized();
  const overlapChecked = useRef(false);
  useEffect(() => {
    if (!nodesInitialized || overlapChecked.current) return;
    overlapChecked.current = true;
    const boxes = nodesRef.current.map((node) => ({ id: node.id, x: node.position.x, y: node.position.y, w: node.measured?.width ?? 0, h: node.measured?.height ?? 0 }));
    const overlapping = boxes.some((a, i) => boxes.some((b, j) => j > i && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h));
    if (!overlapping) return;
    const sizes = new Map(boxes.map((box) => [box.id, { width: box.w, height: box.h }]));
    void layoutGraph(currentGraph().nodes, currentGraph().edges, sizes).then((positions) => {
      setNodes((current) => current.map((node) => ({ ...node, position: positions.get(node.id) ?? node.position })));
      // After React Flow has applied the new positions.
      window.setTimeout(() => void reactFlow.fitView({ padding: 0.15 }), 80);
    });
  }, [nodesInitialized, currentGraph, reactFlow]);

  const selectedNodes = nodes.filter((node) => node.selected);
  const selectedNode = selectedNodes.length === 1 ? selectedNodes[0]! : null;
  const byNode = useMemo(() => problemsByNode(problems), [problems]);
  const context = useMemo<EditorContextValue>(() => ({ catalogue, accountsById, problemsByNode: byNode, overlay, currency: settings.currency }), [catalogue, accountsById, byNode, overlay, settings.currency]);
  const labelOf = useCallback((nodeId: string) => {
    const node = nodesRef.current.find((candidate) => candidate.id === nodeId);
    return node ? `${catalogue.get(node.type ?? '')?.label ?? node.type} “${nodeId}”` : nodeId;
  }, [catalogue]);

  const selectNode = useCallback(
    (nodeId: string) => {
      setNodes((current) => current.map((node) => (node.selected === (node.id === nodeId) ? node : { ...node, selected: node.id === nodeId })));
      setEdges((current) => current.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)));
      const node = nodesRef.current.find((candidate) => candidate.id === nodeId);
      if (node) void reactFlow.setCenter(node.position.x + 110, node.position.y + 50, { zoom: Math.max(reactFlow.getZoom(), 0.9), duration: 300 });
      setTab('node');
    },
    [reactFlow],
  );

  const addNode = useCallback(
    (type: string, position?: { x: number; y: number }) => {
      const taken = new Set(nodesRef.current.map((node) => node.id));
      const id = freshNodeId(type, taken);
      let at = position;
      if (!at) {
        const box = canvasRef.current?.getBoundingClientRect();
        const center = box ? reactFlow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
        const stagger = (nodesRef.current.length % 8) * 24;
        at = { x: center.x - 110 + stagger, y: center.y - 40 + stagger };
      }
      record();
      setNodes((current) => [...current.map((node) => (node.selected ? { ...node, selected: false } : node)), { id, type, data: defaultData(type), position: at, selected: true }]);
      setTab('node');
      setAnnouncement(`Added ${catalogue.get(type)?.label ?? type} “${id}”`);
    },
    [catalogue, reactFlow, record],
  );

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    // A keyboard move (arrows) is an edit too; a mouse drag is recorded at its start.
    if (changes.some((change) => change.type === 'position' && change.dragging === undefined && change.position)) setEditCount((count) => count + 1);
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<CanvasEdge>[]) => setEdges((current) => applyEdgeChanges(changes, current)), []);

  const graphForRules = () => ({ nodes: nodesRef.current.map((node) => ({ id: node.id, type: node.type ?? '', data: node.data })), edges: edgesRef.current });
  const isValidConnection: IsValidConnection = (connection) => connectionRefusal(connection, graphForRules(), catalogue) === null;

  const connect = useCallback(
    (connection: Connection) => {
      const reason = connectionRefusal(connection, graphForRules(), catalogue);
      if (reason) {
        setRefusal(reason);
        return;
      }
      record();
      setEdges((current) => [...current, { id: freshEdgeId(new Set(current.map((edge) => edge.id))), source: connection.source, sourceHandle: connection.sourceHandle, target: connection.target, targetHandle: connection.targetHandle, type: 'amount' }]);
      setRefusal(null);
      setAnnouncement(`Connected ${connection.source} to ${connection.target}`);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [catalogue, record],
  );

  /** A connection let go on a handle that refused it: say why (React Flow only reports that it was invalid). */
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromHandle) return;
      const point = 'changedTouches' in event ? event.changedTouches[0] : event;
      const element = point ? handleNear(point.clientX, point.clientY) : null;
      const toNodeId = state.toHandle?.nodeId ?? element?.getAttribute('data-nodeid');
      const toHandleId = state.toHandle?.id ?? element?.getAttribute('data-handleid');
      const toType = state.toHandle?.type ?? (element?.classList.contains('source') ? 'source' : 'target');
      if (!toNodeId || !toHandleId) return;
      if (state.fromHandle.type === toType) {
        setRefusal(toType === 'source' ? 'Connect an output (right side of a node) to an input (left side of another node).' : 'Connect an input to an output: drag from an output on the right side of a node.');
        return;
      }
      const fromEnd = { nodeId: state.fromHandle.nodeId, id: state.fromHandle.id ?? null };
      const toEnd = { nodeId: toNodeId, id: toHandleId };
      const [source, target] = state.fromHandle.type === 'source' ? [fromEnd, toEnd] : [toEnd, fromEnd];
      setRefusal(connectionRefusal({ source: source.nodeId, sourceHandle: source.id, target: target.nodeId, targetHandle: target.id }, graphForRules(), catalogue));
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [catalogue],
  );

  useEffect(() => {
    if (!refusal) return;
    const timer = window.setTimeout(() => setRefusal(null), 10_000);
    return () => window.clearTimeout(timer);
  }, [refusal]);

  const updateNodeData = useCallback((nodeId: string, data: Record<string, unknown>) => {
    const now = Date.now();
    const last = lastSettingsEdit.current;
    // Keystrokes in one node's settings within a second are one undo step.
    if (!last || last.nodeId !== nodeId || now - last.at > 1000) {
      setStacks((current) => checkpoint(current, toGraph(nodesRef.current, edgesRef.current)));
    }
    lastSettingsEdit.current = { nodeId, at: now };
    setEditCount((count) => count + 1);
    setNodes((current) => current.map((node) => (node.id === nodeId ? { ...node, data } : node)));
    // Allocate outputs that disappeared take their edges with them.
    setEdges((current) => {
      const node = nodesRef.current.find((candidate) => candidate.id === nodeId);
      if (node?.type !== 'allocate') return current;
      const outputs = new Set(outputsOf('allocate', data, catalogue).map((handle) => handle.id));
      return current.filter((edge) => edge.source !== nodeId || outputs.has(edge.sourceHandle ?? ''));
    });
  }, [catalogue]);

  const deleteSelection = useCallback(() => {
    const doomed = new Set(nodesRef.current.filter((node) => node.selected).map((node) => node.id));
    const doomedEdges = edgesRef.current.filter((edge) => edge.selected || doomed.has(edge.source) || doomed.has(edge.target));
    if (doomed.size === 0 && doomedEdges.length === 0) return;
    record();
    setNodes((current) => current.filter((node) => !doomed.has(node.id)));
    setEdges((current) => current.filter((edge) => !doomedEdges.includes(edge)));
    setAnnouncement(`Deleted ${doomed.size} node(s) and ${doomedEdges.length} connection(s)`);
  }, [record]);

  const copy = useCallback(() => {
    const chosen = nodesRef.current.filter((node) => node.selected);
    if (chosen.length === 0) return;
    const ids = new Set(chosen.map((node) => node.id));
    clipboard.current = toGraph(chosen, edgesRef.current.filter((edge) => ids.has(edge.source) && ids.has(edge.target)));
    setAnnouncement(`Copied ${chosen.length} node(s)`);
  }, []);

  const paste = useCallback(() => {
    const copied = clipboard.current;
    if (!copied) return;
    const pasted = pasteCopies(copied, new Set(nodesRef.current.map((node) => node.id)), new Set(edgesRef.current.map((edge) => edge.id)));
    const canvas = fromGraph(pasted);
    record();
    setNodes((current) => [...current.map((node) => (node.selected ? { ...node, selected: false } : node)), ...canvas.nodes.map((node) => ({ ...node, selected: true }))]);
    setEdges((current) => [...current, ...canvas.edges]);
    // Paste again, and the next copies land further along.
    clipboard.current = pasted;
    setAnnouncement(`Pasted ${pasted.nodes.length} node(s)`);
  }, [record]);

  const autoLayout = useCallback(async () => {
    const sizes = new Map(nodesRef.current.map((node) => [node.id, { width: node.measured?.width ?? 240, height: node.measured?.height ?? 96 }]));
    const positions = await layoutGraph(currentGraph().nodes, currentGraph().edges, sizes);
    record();
    setNodes((current) => current.map((node) => ({ ...node, position: positions.get(node.id) ?? node.position })));
    window.setTimeout(() => void reactFlow.fitView({ padding: 0.15, duration: 300 }), 80);
    setAnnouncement('Laid out the flow');
  }, [currentGraph, reactFlow, record]);

  const save = useCallback(async () => {
    if (name.trim() === '') {
      setTab('flow');
      notify({ color: 'red', message: 'Give the flow a name before saving' });
      return;
    }
    setSaving(true);
    const savingAt = editCount;
    try {
      const body = { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), graph: currentGraph(), settings };
      const saved = flowId ? await api<FlowView>(`/flows/${flowId}`, { method: 'PUT', body }) : await api<FlowView>('/flows', { method: 'POST', body });
      setProblems(saved.problems);
      setSavedCount(savingAt);
      queryClient.setQueryData(flowKeys.flow(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: flowKeys.flows });
      void queryClient.invalidateQueries({ queryKey: flowKeys.versions(saved.id) });
      notify({ color: 'green', message: `Saved version ${saved.version}${saved.problems.length > 0 ? ` (a draft with ${saved.problems.length} problem(s))` : ''}` });
      if (!flowId) navigate(`/flows/${saved.id}`, { replace: true });
    } catch (error) {
      notify({ color: 'red', title: 'Could not save', message: error instanceof ApiProblem ? `${error.message}${error.errors[0] ? `: ${error.errors[0].field} ${error.errors[0].message}` : ''}` : String(error) });
    } finally {
      setSaving(false);
    }
  }, [currentGraph, description, editCount, flowId, name, navigate, queryClient, settings]);

  const eventTrigger = nodes.find((node) => node.type === 'trigger.event');
  const triggerNode = nodes.find((node) => node.type?.startsWith('trigger.'));
  const triggerInput = (): TriggerInput | undefined => {
    if (!eventTrigger) return undefined;
    const accountId = eventTrigger.data.accountId;
    if (typeof accountId !== 'string' || testAmount.trim() === '') return { type: 'event' };
    return { type: 'event', transaction: { accountId, amount: testAmount.trim(), payee: 'Test transaction', memo: 'Preview in the studio' } };
  };

  const runPreview = useCallback(async () => {
    setPreviewing(true);
    setTab('preview');
    try {
      const trigger = triggerInput();
      const answer = await api<PreviewAnswer>('/flows/preview', { method: 'POST', body: { graph: currentGraph(), settings, ...(trigger ? { trigger } : {}) } });
      setPreview(answer);
      if (answer.problems.length > 0) setProblems(answer.problems);
      setOverlay(answer.plan ? overlayOf(answer.plan, 'Preview') : null);
    } catch (error) {
      setPreview({ problems: error instanceof ApiProblem ? error.errors.map((item) => ({ field: item.field, message: item.message })) : [{ field: '', message: String(error) }], plan: null });
    } finally {
      setPreviewing(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [currentGraph, settings, testAmount, eventTrigger]);

  const openRunDialog = async () => {
    if (!flowId) return;
    const key = idempotencyKey();
    setRunDialog({ key, plan: null, problems: [], loading: true, running: false });
    try {
      const trigger = triggerInput();
      const answer = await api<PreviewAnswer>(`/flows/${flowId}/preview`, { method: 'POST', body: trigger ? { trigger } : {} });
      setRunDialog({ key, plan: answer.plan, problems: answer.problems, loading: false, running: false });
    } catch (error) {
      setRunDialog({ key, plan: null, problems: [], loading: false, running: false, error: error instanceof ApiProblem ? error.message : String(error) });
    }
  };

  const confirmRun = async () => {
    if (!runDialog || !flowId) return;
    setRunDialog({ ...runDialog, running: true });
    try {
      const trigger = triggerInput();
      // The key was made when the dialog opened: pressing Run again after a network error retries the same run.
      const run = await api<RunView>(`/flows/${flowId}/runs`, { method: 'POST', body: trigger ? { trigger } : {}, headers: { 'Idempotency-Key': runDialog.key } });
      setRunDialog(null);
      notify({ color: run.status === 'committed' ? 'green' : 'yellow', message: run.status === 'committed' ? 'Run committed: the money moved' : 'The run is waiting for your approval' });
      if (run.plan) setOverlay(overlayOf(run.plan, `Run ${run.id.slice(0, 8)}`));
      setSelectedRunId(run.id);
      setTab('runs');
    } catch (error) {
      setRunDialog({ ...runDialog, running: false, error: error instanceof ApiProblem ? error.message : String(error) });
    } finally {
      invalidateLedger(queryClient, flowId);
    }
  };

  const openVersion = (opened: FlowView) => {
    record();
    const next = fromGraph(opened.graph);
    setNodes(next.nodes);
    setEdges(next.edges);
    setSettings(opened.settings);
    setProblems(opened.problems);
    setOverlay(null);
    notify({ message: `Version ${opened.version} is on the canvas; save to make it the newest version.` });
  };

  // Keyboard shortcuts (documented in `shortcuts` and the README). Typing in a field is left alone.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 's') {
        event.preventDefault();
        void save();
        return;
      }
      if (mod && key === 'enter') {
        event.preventDefault();
        void runPreview();
        return;
      }
      if (isTyping(event.target)) return;
      if (mod && key === 'z' && !event.shiftKey) {
        event.preventDefault();
        undo();
      } else if (mod && ((key === 'z' && event.shiftKey) || key === 'y')) {
        event.preventDefault();
        redo();
      } else if (mod && key === 'c') {
        copy();
      } else if (mod && key === 'v') {
        event.preventDefault();
        paste();
      } else if (!mod && event.shiftKey && key === 'l') {
        event.preventDefault();
        void autoLayout();
      } else if (event.key === '?') {
        setShortcutsOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [autoLayout, copy, paste, redo, runPreview, save, undo]);

  const onDragOver = (event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const type = event.dataTransfer.getData(paletteMimeType) || event.dataTransfer.getData('text/plain');
    if (!catalogue.has(type)) return;
    const position = reactFlow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    addNode(type, { x: position.x - 90, y: position.y - 30 });
  };

  const nodeTypeOf = (nodeId: string) => nodes.find((node) => node.id === nodeId)?.type;
  const selectedInfo = selectedNode ? catalogue.get(selectedNode.type ?? '') : undefined;

  return (
    <EditorContext.Provider value={context}>
      <div className="sluice-editor">
        <header className="sluice-editor-toolbar">
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
              <Title order={1} size="h4" style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', maxWidth: 360 }}>
                {name || 'Untitled flow'}
              </Title>
              {flow && (
                <Badge variant="outline" color="gray.8">
                  v{flow.version}
                </Badge>
              )}
              {dirty && (
                <Badge variant="filled" color="yellow.3" c="dark.9">
                  Unsaved changes
                </Badge>
              )}
              <Badge variant="filled" color={problems.length > 0 ? '#a61e1e' : '#1b5e20'} role="status" aria-live="polite">
                {problems.length > 0 ? `${problems.length} problem${problems.length === 1 ? '' : 's'}` : 'Valid'}
              </Badge>
            </Group>
            <Group gap={6} wrap="nowrap">
              <Tooltip label="Undo (Ctrl+Z)">
                <ActionIcon variant="default" size="lg" aria-label="Undo" onClick={undo} disabled={stacks.past.length === 0}>
                  <IconArrowBackUp size={18} aria-hidden />
                </ActionIcon>
              </Tooltip>
              <Tooltip label="Redo (Ctrl+Shift+Z)">
                <ActionIcon variant="default" size="lg" aria-label="Redo" onClick={redo} disabled={stacks.future.length === 0}>
                  <IconArrowForwardUp size={18} aria-hidden />
                </ActionIcon>
              </Tooltip>
              <Tooltip label="Auto-layout (Shift+L)">
                <ActionIcon variant="default" size="lg" aria-label="Auto-layout" onClick={() => void autoLayout()} disabled={nodes.length === 0}>
                  <IconHierarchy size={18} aria-hidden />
                </ActionIcon>
              </Tooltip>
              <Popover opened={shortcutsOpen} onChange={setShortcutsOpen} position="bottom-end" withArrow trapFocus>
                <Popover.Target>
                  <ActionIcon variant="default" size="lg" aria-label="Keyboard shortcuts" onClick={() => setShortcutsOpen((open) => !open)}>
                    <IconKeyboard size={18} aria-hidden />
                  </ActionIcon>
                </Popover.Target>
                <Popover.Dropdown>
                  <Table fz="xs" aria-label="Keyboard shortcuts">
                    <Table.Tbody>
                      {shortcuts.map((shortcut) => (
                        <Table.Tr key={shortcut.action}>
                          <Table.Td>
                            <Kbd size="xs">{shortcut.keys}</Kbd>
                          </Table.Td>
                          <Table.Td>{shortcut.action}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Popover.Dropdown>
              </Popover>
              <Button variant="default" leftSection={<IconEye size={16} aria-hidden />} onClick={() => void runPreview()} loading={previewing}>
                Preview
              </Button>
              <Button leftSection={<IconDeviceFloppy size={16} aria-hidden />} onClick={() => void save()} loading={saving} variant={dirty ? 'filled' : 'default'}>
                Save
              </Button>
              <Tooltip label={!flowId ? 'Save the flow first' : dirty ? 'Save your changes first: a run uses the saved version' : 'Run the saved flow once'}>
                <Button color="#1b5e20" leftSection={<IconPlayerPlay size={16} aria-hidden />} onClick={() => void openRunDialog()} disabled={!flowId || dirty} aria-describedby={dirty ? 'run-hint' : undefined}>
                  Run now
                </Button>
              </Tooltip>
              <span id="run-hint" hidden>
                Save your changes first: a run uses the saved version
              </span>
            </Group>
          </Group>
        </header>
        <aside className="sluice-editor-palette">
          <Palette nodeTypes={nodeTypes} onAdd={addNode} />
        </aside>
        <main className="sluice-editor-canvas" ref={canvasRef} onDragOver={onDragOver} onDrop={onDrop} aria-label="Flow canvas">
          <ReactFlow<CanvasNode, CanvasEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeComponents}
            edgeTypes={edgeComponents}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={connect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            onNodeDragStart={() => record()}
            onNodeDragStop={() => setEditCount((count) => count + 1)}
            onBeforeDelete={async () => {
              record();
              return true;
            }}
            onNodesDelete={() => setEditCount((count) => count + 1)}
            deleteKeyCode={deleteKeys}
            multiSelectionKeyCode={multiSelectKeys}
            fitView={initial.nodes.length > 0}
            fitViewOptions={fitViewOptions}
            minZoom={0.1}
            defaultEdgeOptions={defaultEdgeOptions}
            proOptions={proOptions}
            ariaLabelConfig={ariaLabels}
          >
            <Background gap={20} />
            <Controls showInteractive={false} aria-label="Zoom controls" />
            {/* Drawn once the nodes are on screen: it repeats all of them and the first paint need not wait for it. */}
            {nodesInitialized && <MiniMap pannable zoomable style={{ width: 150, height: 100 }} ariaLabel="Minimap of the flow" nodeColor={(node) => (node.type?.startsWith('trigger') ? '#e8590c' : catalogue.get(node.type ?? '')?.category === 'action' ? '#2b8a3e' : '#1c7ed6')} />}
            {refusal && (
              <Panel position="top-center" className="sluice-refusal-panel">
                <div className="sluice-refusal" role="alert" data-testid="connection-refusal">
                  <Group gap={6} wrap="nowrap" align="flex-start">
                    <span>
                      <strong>Connection refused:</strong> {refusal}
                    </span>
                    <ActionIcon size="sm" variant="subtle" color="red.9" aria-label="Dismiss" onClick={() => setRefusal(null)}>
                      <IconX size={14} aria-hidden />
                    </ActionIcon>
                  </Group>
                </div>
              </Panel>
            )}
            {overlay && (
              <Panel position="bottom-center">
                <Group gap={6} className="sluice-refusal" style={{ background: '#ebfbee', borderColor: '#2b8a3e', color: '#1b4d24' }}>
                  <span>Showing amounts from {overlay.source}</span>
                  <Button size="compact-xs" variant="subtle" color="#1b5e20" onClick={() => setOverlay(null)}>
                    Hide
                  </Button>
                </Group>
              </Panel>
            )}
            {nodes.length === 0 && (
              <Panel position="top-left">
                <Text size="sm" c="gray.8" maw={340}>
                  Empty flow: drag a trigger (e.g. “Run manually”) from the palette, then a source and an action, and connect their handles.
                </Text>
              </Panel>
            )}
          </ReactFlow>
          <div aria-live="polite" className="sr-only" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
            {announcement}
          </div>
        </main>
        <aside className="sluice-editor-panel" aria-label="Side panel">
          <Tabs value={tab} onChange={(value) => setTab((value as PanelTab) ?? 'node')} keepMounted={false} styles={{ tab: { padding: '8px 7px', fontSize: 13 } }}>
            <Tabs.List>
              <Tabs.Tab value="node">Node</Tabs.Tab>
              <Tabs.Tab value="problems">Problems{problems.length > 0 ? ` (${problems.length})` : ''}</Tabs.Tab>
              <Tabs.Tab value="preview">Preview</Tabs.Tab>
              <Tabs.Tab value="runs" disabled={!flowId}>
                Runs
              </Tabs.Tab>
              <Tabs.Tab value="versions" disabled={!flowId}>
                Versions
              </Tabs.Tab>
              <Tabs.Tab value="flow">Flow</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="node" p="sm">
              {selectedNode && selectedInfo ? (
                <Stack gap="sm">
                  <Group justify="space-between" wrap="nowrap">
                    <div>
                      <Title order={2} size="h5">
                        {selectedInfo.label} <Text span size="xs" ff="monospace" c="gray.7">{selectedNode.id}</Text>
                      </Title>
                      <Text size="xs" c="gray.7">
                        {selectedInfo.description}
                      </Text>
                    </div>
                    <ActionIcon color="#a61e1e" variant="subtle" aria-label={`Delete node ${selectedNode.id}`} onClick={deleteSelection}>
                      <IconTrash size={16} aria-hidden />
                    </ActionIcon>
                  </Group>
                  {(byNode.get(selectedNode.id) ?? []).filter((problem) => !/^\/nodes\/\d+\/data\//.test(problem.field)).map((problem, index) => (
                    <Alert key={index} color="red" p={6} styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>
                      {problem.message}
                    </Alert>
                  ))}
                  <SchemaForm
                    key={selectedNode.id}
                    nodeType={selectedInfo}
                    data={selectedNode.data}
                    onChange={(data) => updateNodeData(selectedNode.id, data)}
                    accounts={accounts}
                    serverErrors={fieldErrorsOf(byNode.get(selectedNode.id) ?? [])}
                    idPrefix={`node-${selectedNode.id}`}
                  />
                  <ConnectionsForm nodeId={selectedNode.id} nodes={nodes} edges={edges} catalogue={catalogue} onConnect={connect} labelOf={labelOf} />
                  {overlay?.trace.get(selectedNode.id) && <TraceTable trace={[overlay.trace.get(selectedNode.id)!]} labelOf={labelOf} />}
                </Stack>
              ) : (
                <Text size="sm" c="gray.8">
                  {selectedNodes.length > 1 ? `${selectedNodes.length} nodes selected: copy (Ctrl+C), delete, or drag them together.` : 'Select a node to edit its settings. Add nodes from the palette.'}
                </Text>
              )}
            </Tabs.Panel>
            <Tabs.Panel value="problems" p="sm">
              <ProblemsList problems={problems} nodeTypeOf={nodeTypeOf} catalogue={catalogue} onSelectNode={selectNode} checking={checking} />
            </Tabs.Panel>
            <Tabs.Panel value="preview" p="sm">
              <Stack gap="sm">
                <Text size="sm">A dry run of the graph on the canvas, on your current balances. Nothing is written.</Text>
                {eventTrigger && (
                  <TextInput
                    label="Test with a transaction of"
                    description="An event flow runs on the transaction that fired it; preview and Run now use this amount, into the trigger’s account."
                    value={testAmount}
                    onChange={(event) => setTestAmount(event.currentTarget.value)}
                    inputMode="decimal"
                  />
                )}
                <Button onClick={() => void runPreview()} loading={previewing} leftSection={<IconEye size={16} aria-hidden />}>
                  Preview now
                </Button>
                {preview && preview.problems.length > 0 && !preview.plan && <Alert color="red" title="Fix the problems first" styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>{preview.problems.length} problem(s): see the Problems tab.</Alert>}
                {preview?.plan && (
                  <>
                    <PlanSummary plan={preview.plan} accountsById={accountsById} />
                    <Text size="sm" fw={600}>
                      Per-node trace
                    </Text>
                    <TraceTable trace={preview.plan.trace} labelOf={labelOf} onSelectNode={selectNode} />
                  </>
                )}
              </Stack>
            </Tabs.Panel>
            {flowId && (
              <Tabs.Panel value="runs" p="sm">
                <RunsPanel flowId={flowId} accountsById={accountsById} labelOf={labelOf} selectedRunId={selectedRunId} onSelectRun={setSelectedRunId} onShowOnCanvas={(plan, source) => setOverlay(overlayOf(plan, source))} onSelectNode={selectNode} />
              </Tabs.Panel>
            )}
            {flowId && (
              <Tabs.Panel value="versions" p="sm">
                <VersionsPanel flowId={flowId} onOpen={openVersion} />
              </Tabs.Panel>
            )}
            <Tabs.Panel value="flow" p="sm">
              <FlowSettingsPanel
                name={name}
                description={description}
                settings={settings}
                onName={(next) => {
                  setName(next);
                  setEditCount((count) => count + 1);
                }}
                onDescription={(next) => {
                  setDescription(next);
                  setEditCount((count) => count + 1);
                }}
                onSettings={(next) => {
                  setSettings(next);
                  setEditCount((count) => count + 1);
                }}
                flowId={flowId}
                enabled={flow?.enabled ?? false}
                triggerType={triggerNode?.type ?? null}
                dirty={dirty}
              />
            </Tabs.Panel>
          </Tabs>
        </aside>
      </div>
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={runDialog !== null} onClose={() => setRunDialog(null)} title="Run this flow now?" size="lg">
        {runDialog && (
          <Stack>
            <Text size="sm">This is what the run will post, planned on your current balances. The run re-plans on the balances at the moment it commits, all or nothing.</Text>
            {runDialog.loading && <Text size="sm">Planning…</Text>}
            {runDialog.error && (
              <Alert color="red" title="The run did not go through" styles={{ message: { color: '#a61e1e' }, title: { color: '#a61e1e' } }}>
                {runDialog.error}
              </Alert>
            )}
            {runDialog.problems.length > 0 && !runDialog.plan && <Alert color="red" styles={{ message: { color: "#a61e1e" } }}>The saved flow has {runDialog.problems.length} problem(s) to fix first.</Alert>}
            {runDialog.plan && <PlanSummary plan={runDialog.plan} accountsById={accountsById} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRunDialog(null)}>
                Cancel
              </Button>
              <Button color="#1b5e20" onClick={() => void confirmRun()} loading={runDialog.running} disabled={!runDialog.plan || runDialog.plan.blockers.length > 0}>
                {runDialog.plan?.needsApproval ? 'Start run (waits for approval)' : 'Run and post'}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </EditorContext.Provider>
  );
}

/** Keyboard wiring: send each output of the selected node to an input chosen from a list (refused ones say why). */
function ConnectionsForm({ nodeId, nodes, edges, catalogue, onConnect, labelOf }: { nodeId: string; nodes: CanvasNode[]; edges: CanvasEdge[]; catalogue: ReturnType<typeof catalogueOf>; onConnect(connection: Connection): void; labelOf(nodeId: string): string }) {
  const node = nodes.find((candidate) => candidate.id === nodeId);
  if (!node) return null;
  const outputs = outputsOf(node.type ?? '', node.data, catalogue);
  if (outputs.length === 0) return null;
  const graph = { nodes: nodes.map((candidate) => ({ id: candidate.id, type: candidate.type ?? '', data: candidate.data })), edges };
  return (
    <Stack gap={6}>
      <Text fw={600} size="sm">
        Connections
      </Text>
      {outputs.map((output) => {
        const existing = edges.find((edge) => edge.source === nodeId && edge.sourceHandle === output.id);
        const options = connectionOptions(nodeId, output.id, graph, catalogue).filter((option) => option.target !== nodeId);
        return (
          <Select
            key={output.id}
            label={`Send “${output.label}” to`}
            description={existing ? `Connected to ${labelOf(existing.target)}` : output.kind === 'control' ? 'A start signal goes to a source' : 'Money goes to one input'}
            placeholder="Choose an input"
            value={null}
            data={options.map((option) => ({ value: `${option.target}|${option.targetHandle}`, label: option.refusal ? `${option.label} — refused: ${option.refusal}` : option.label, disabled: option.refusal !== null }))}
            onChange={(value) => {
              if (!value) return;
              const [target, targetHandle] = value.split('|') as [string, string];
              onConnect({ source: nodeId, sourceHandle: output.id, target, targetHandle });
            }}
            comboboxProps={{ withinPortal: true }}
            style={{ borderLeft: `3px solid var(--mantine-color-${output.kind === 'money' ? 'green' : 'gray'}-7)`, paddingLeft: 6 }}
          />
        );
      })}
      <Text size="xs" c="gray.7">
        Entity colours: <span style={{ color: `var(--mantine-color-${entityColors.llc}-9)` }}>LLC</span> · <span style={{ color: `var(--mantine-color-${entityColors.personal}-9)` }}>Personal</span>
      </Text>
    </Stack>
  );
}
