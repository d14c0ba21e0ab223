// Public API of core/intoto. Other modules import only this file.
export {};
