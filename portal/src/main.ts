import * as monaco from 'monaco-editor/esm/vs/editor/editor.api';
import '@kusto/monaco-kusto';
(self as any).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    return new Worker(label === 'kusto' ? '/portal/assets/kusto.worker.js' : '/portal/assets/editor.worker.js');
  },
};
const el = document.getElementById('app')!;
el.innerHTML = '<div id="ed" style="height:300px"></div>';
monaco.editor.create(document.getElementById('ed')!, { value: 'T | where x > 1 | take 10', language: 'kusto' });
